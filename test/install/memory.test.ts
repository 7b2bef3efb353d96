import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveBuilderJobOptions } from "@qs/builder";
import { podSpec, type Container } from "./pod-spec.ts";
import { renderKustomize, repoRoot } from "./support.ts";

// The preflight's memory figure (scripts/install/preflight.sh) is a sum of parts; the parts
// QuickStack controls are checked here against what it really requests.

const preflight = readFileSync(join(repoRoot, "scripts/install/preflight.sh"), "utf8");
const figure = (name: string): number => {
  const value = new RegExp(`^${name}=(\\d+)$`, "m").exec(preflight)?.[1];
  if (value === undefined) throw new Error(`${name} is not set in preflight.sh`);
  return Number(value);
};

/** A memory quantity (Ki, Mi, Gi) in MiB. */
function mib(quantity: string | undefined): number {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity ?? "");
  if (!m) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(m[1]) * { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[m[2] as "Ki" | "Mi" | "Gi"];
}

const request = (c: Container): number => mib(c.resources?.requests?.memory);

describe("the memory the preflight asks for", () => {
  it("counts deploy/'s requests exactly (a pod requests the larger of its init containers and the sum of its containers)", () => {
    const workloads = renderKustomize(join(repoRoot, "deploy")).filter((o) =>
      ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind),
    );
    expect(workloads.length).toBeGreaterThanOrEqual(4);
    let total = 0;
    for (const w of workloads) {
      const spec = podSpec(w);
      const replicas = (w.spec as { replicas?: number }).replicas ?? 1;
      const pod = Math.max(
        ...(spec.initContainers ?? []).map(request),
        spec.containers.map(request).reduce((a, b) => a + b, 0),
      );
      total += pod * replicas;
    }
    expect(total).toBe(figure("MEMORY_DEPLOY_MIB"));
  });

  it("counts one build at the builder Job's default request", () => {
    const requested = resolveBuilderJobOptions().resources.requests?.memory;
    expect(mib(String(requested))).toBe(figure("MEMORY_BUILD_MIB"));
  });
});
