export * from "./client.ts";
export * from "./users/index.ts";
