export * from "./server.ts";
export * from "./host-key.ts";
