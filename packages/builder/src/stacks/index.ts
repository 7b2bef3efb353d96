export * from "./types.ts";
export * from "./images.ts";
export * from "./detect.ts";
export { satisfies } from "./semver.ts";
export {
  MIRROR_SETTINGS,
  checkBuildMirrors,
  mirrorBuildArgs,
  mirrorUrlProblem,
  type BuildMirrors,
} from "./mirrors.ts";
