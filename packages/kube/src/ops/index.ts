export * from "./cluster-ops.ts";
export * from "./nodes.ts";
export * from "./join-command.ts";
export * from "./quantity.ts";
export * from "./source-names.ts";
export * from "./run-pod.ts";
export * from "./usage.ts";
