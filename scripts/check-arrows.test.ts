import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { checkImport, checkRelative, findViolations } from "./check-arrows.ts";
import { tempDir } from "../test/support/tmp.ts";

describe("check-arrows", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("allows core from packages and anything from apps", () => {
    expect(checkImport("packages/kube", "@qs/core")).toBeUndefined();
    expect(checkImport("apps/server", "@qs/kube")).toBeUndefined();
    expect(checkImport("packages/kube", "@kubernetes/client-node")).toBeUndefined();
  });

  it("refuses imports against the arrows and SDKs outside their owner", () => {
    expect(checkImport("packages/core", "@qs/kube")).toMatch(/against the arrows/);
    expect(checkImport("packages/git", "@qs/commands")).toMatch(/against the arrows/);
    expect(checkImport("packages/commands", "@kubernetes/client-node")).toMatch(
      /only packages\/kube/,
    );
    expect(checkImport("apps/server", "bullmq")).toMatch(/only packages\/build/);
    expect(checkRelative("/r/packages/web", "/r/packages/kube/src/client.ts", "../../kube/src/client.ts")).toMatch(/across units/);
    expect(checkRelative("/r/packages/web", "/r/packages/web/src/apps/x.ts", "./apps/x.ts")).toBeUndefined();
  });

  it("fails the real check on a tree with a wrong-direction import", async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    await mkdir(join(dir.path, "packages/core/src"), { recursive: true });
    await mkdir(join(dir.path, "packages/kube/src"), { recursive: true });
    await writeFile(
      join(dir.path, "packages/core/src/bad.ts"),
      'import { x } from "@qs/kube";\nexport const y = x;\n',
    );
    await writeFile(
      join(dir.path, "packages/kube/src/ok.ts"),
      'import { QsError } from "@qs/core";\nexport { QsError };\n',
    );
    expect(await findViolations(dir.path)).toEqual([
      expect.stringMatching(
        /^packages\/core\/src\/bad\.ts: imports "@qs\/kube" against the arrows/,
      ),
    ]);
    const run = spawnSync(
      process.execPath,
      [join(import.meta.dirname, "check-arrows.ts"), dir.path],
      { encoding: "utf8" },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("1 import(s) against the architecture");
  });

  it("passes on this repository", async () => {
    expect(await findViolations(join(import.meta.dirname, ".."))).toEqual([]);
  });
});
