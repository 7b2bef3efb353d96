export * from "./command.ts";
export * from "./auth/index.ts";
