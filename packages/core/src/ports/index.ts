export * from "./output.ts";
export * from "./push.ts";
export * from "./access.ts";
export * from "./exec.ts";
export * from "./apps.ts";
export * from "./users.ts";
export * from "./audit.ts";
export * from "./ops.ts";
