export * from "./types.ts";
export * from "./images.ts";
export * from "./detect.ts";
export { satisfies } from "./semver.ts";
