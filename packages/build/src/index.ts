export * from "./stacks/index.ts";
export * from "./jobs/index.ts";
