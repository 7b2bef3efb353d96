export * from "./options.ts";
export { builderLabels, BUILDER_CONTAINER, FETCH_CONTAINER } from "./common.ts";
export * from "./kaniko-job.ts";
export * from "./buildkit-job.ts";
export * from "./digest.ts";
