export * from "./build-queue.ts";
export * from "./build-worker.ts";
export { encodeFailure, decodeFailure, type BuildJobData, type BuildJobResult } from "./types.ts";
