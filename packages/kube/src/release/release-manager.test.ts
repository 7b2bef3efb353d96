import { defaultAppSpec } from "@qs/core";
import { describe, expect, it } from "vitest";
import { sampleRelease } from "../render/testing.ts";
import { withRelease } from "./release-manager.ts";

describe("withRelease", () => {
  it("points the spec at the release and scales new process types to one, keeping existing scale", () => {
    const spec = { ...defaultAppSpec(), processes: { web: { replicas: 3 } } };
    const next = withRelease(spec, sampleRelease({ number: 7 }));
    expect(next.release).toBe(7);
    expect(next.processes).toEqual({ web: { replicas: 3 }, worker: { replicas: 1 } });
  });

  it("treats a release without processes as web", () => {
    expect(withRelease(defaultAppSpec(), sampleRelease({ processes: {} })).processes).toEqual({ web: { replicas: 1 } });
  });
});

describe("withRelease ordering", () => {
  it("never moves the spec back to an older release", () => {
    const spec = { ...defaultAppSpec(), release: 9 };
    expect(withRelease(spec, sampleRelease({ number: 8 }))).toBe(spec);
  });
});
