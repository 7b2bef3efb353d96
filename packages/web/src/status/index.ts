export { createStatusPages } from "./pages.ts";
export type { StatusPagesOptions } from "./options.ts";
export { createUserDirectory } from "./user-directory.ts";
export { startResourceSampler, type ResourceSampler, type ResourceSamplerOptions } from "./sampler.ts";
export { CONTENT_SECURITY_POLICY } from "./security.ts";
export { buildSparklinePoints, downsample } from "./views/sparkline.ts";
export { createStatusSource, appStatusWord, summarizeApp, type StatusSourceDeps } from "./status-source.ts";
