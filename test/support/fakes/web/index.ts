export * from "./stores.ts";
export * from "./status-source.ts";
export * from "./harness.ts";
