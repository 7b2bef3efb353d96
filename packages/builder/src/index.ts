export * from "./stacks/index.ts";
export * from "./jobs/index.ts";
export * from "./context/index.ts";
export * from "./registry/index.ts";
export * from "./queue/index.ts";
export * from "./service.ts";
export * from "./system.ts";
