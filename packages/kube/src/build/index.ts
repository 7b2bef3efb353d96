export * from "./build-runner.ts";
