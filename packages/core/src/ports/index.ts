export * from "./output.ts";
export * from "./push.ts";
