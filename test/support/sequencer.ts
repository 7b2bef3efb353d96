import { stat } from "node:fs/promises";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// The order files are handed to the workers: longest first, across projects (Vitest's own
// order runs projects by name, so a long integration file such as dev mode's started last,
// alone, at the end of every run). Durations come from Vitest's cache when it has them
// (a machine that ran the suite before); a fresh clone, as in CI, has none, so: the cluster
// suites first (they are the long ones and need nothing else), then the files below that
// are known to take long, then the rest by size, larger first.
const KNOWN_LONG = ["scripts/dev/dev-mode.double.test.ts", "test/e2e/deploy/deploy.test.ts", "test/e2e/commands/addons.test.ts", "test/e2e/commands/ssh.test.ts"];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cached = new Map(files.map((f) => [f, this.ctx.cache.getTestSpecificationResult(f)?.duration]));
    const sizes = new Map(await Promise.all(files.map(async (f) => [f.moduleId, (await stat(f.moduleId).catch(() => undefined))?.size ?? 0] as const)));
    const tier = (f: TestSpecification): number => {
      if (f.project.name === "cluster") return 0;
      return KNOWN_LONG.some((path) => f.moduleId.endsWith(`/${path}`)) ? 1 : 2;
    };
    return [...files].sort((a, b) => {
      const ca = cached.get(a);
      const cb = cached.get(b);
      if (ca !== undefined && cb !== undefined) return cb - ca;
      return tier(a) - tier(b) || (sizes.get(b.moduleId) ?? 0) - (sizes.get(a.moduleId) ?? 0);
    });
  }
}
