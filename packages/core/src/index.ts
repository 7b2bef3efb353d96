export * from "./errors.ts";
export * from "./names.ts";
export * from "./logger.ts";
export * from "./version.ts";
export * from "./principal.ts";
export * from "./app.ts";
export * from "./ports/index.ts";
export * from "./ssh-key.ts";
