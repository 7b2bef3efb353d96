export * from "./stacks/index.ts";
