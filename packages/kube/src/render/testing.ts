import { type AppSpec, type Release, defaultAppSpec } from "@qs/core";
import type { RenderInput } from "./context.ts";
import { renderOptions } from "./options.ts";

/** A release for renderer tests. */
export function sampleRelease(overrides: Partial<Release> = {}): Release {
  return {
    app: "shop",
    number: 3,
    image: "registry.local/shop@sha256:abc",
    configHash: "a".repeat(64),
    processes: { web: "npm start", worker: "node worker.js" },
    author: "alice",
    description: "Deploy abc1234",
    createdAt: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

/** Renderer input for tests, with a release and default options. */
export function sampleInput(spec: Partial<AppSpec> = {}, release: Release | undefined = sampleRelease()): RenderInput {
  return {
    app: "shop",
    appUid: "uid-1",
    spec: { ...defaultAppSpec(), processes: { web: { replicas: 2 }, worker: { replicas: 1 } }, ...spec },
    release,
    options: renderOptions({ baseDomain: "example.net" }),
  };
}
