export { createAddonManager, generatePassword, type AddonOptions } from "./manager.ts";
export { addonKinds, officialImage, type AddonKindSpec } from "./kinds.ts";
export * from "./render.ts";
