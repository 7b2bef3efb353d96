import { describe, expect, it } from "vitest";
import { defaultAppSpec } from "@qs/core";
import { previewSpec } from "./manager.ts";

describe("previewSpec", () => {
  it("keeps the parent's web port and health check (an app from a template listens where its image does)", () => {
    const parent = { ...defaultAppSpec(), webPort: 3000, healthCheckPath: "/api/health", processes: { web: { replicas: 3 } } };
    const spec = previewSpec(parent, { parent: "dash", branch: "x", lastPushAt: "2026-01-01T00:00:00Z" });
    expect(spec).toMatchObject({ webPort: 3000, healthCheckPath: "/api/health", processes: { web: { replicas: 1 } } });
    expect(previewSpec(defaultAppSpec(), { parent: "p", branch: "x", lastPushAt: "" }).webPort).toBeUndefined();
  });

  it("keeps the parent's template, so its scale limit holds for the preview", () => {
    const template = { name: "uptime-kuma", scaleLimit: { max: 1, reason: "its SQLite database is on the data volume" } };
    expect(previewSpec({ ...defaultAppSpec(), template }, { parent: "up", branch: "x", lastPushAt: "" }).template).toEqual(template);
    expect(previewSpec(defaultAppSpec(), { parent: "p", branch: "x", lastPushAt: "" }).template).toBeUndefined();
  });
});
