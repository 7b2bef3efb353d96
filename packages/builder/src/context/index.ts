export * from "./context-store.ts";
export * from "./context-server.ts";
