import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../../test/support/tmp.ts";
import { resticBinary } from "../../../../test/cluster/builders/restic.ts";
import { backupRecord } from "./records.ts";
import { forgetCommand, pruneStep } from "./scripts.ts";

// Retention prunes exactly what the rules say (issue 18). The real restic of the backup
// image, on a local repository, with snapshots at fixed times (the clock restic's policy
// reads is the snapshots' own): a few older runs (2025-12-15, 2025-12-31, 2026-01-05,
// 2026-01-31), one scheduled run a day at 03:00 from 2026-02-10 to 2026-03-10, an extra
// manual run on 2026-03-10 at 15:00, and from 2026-02-15 on a /dump folder beside /data
// (an add-on was added). The prune is the exact command backup Jobs run.
// It lives in the cluster project because the restic binary comes from the cluster's image
// builds (test/cluster/builders/restic.ts); it needs no Kubernetes.

let dir: { path: string; remove: () => Promise<void> };
let restic = "";
const env = (): NodeJS.ProcessEnv => ({ PATH: `${dirname(restic)}:${process.env.PATH ?? ""}`, RESTIC_REPOSITORY: join(dir.path, "repo"), RESTIC_PASSWORD: "retention-test", RESTIC_CACHE_DIR: join(dir.path, "cache") });
const run = (args: string[]): string => execFileSync(restic, args, { env: env(), encoding: "utf8" });

const day = (d: Date): string => d.toISOString().slice(0, 10);

beforeAll(async () => {
  restic = resticBinary();
  dir = await tempDir("qs-retention-");
  const data = join(dir.path, "data");
  const dump = join(dir.path, "dump");
  mkdirSync(data);
  mkdirSync(dump);
  run(["init", "--quiet"]);
  const snap = (app: string, id: string, time: string, paths: string[]): void => {
    writeFileSync(join(data, "note.txt"), `${id}\n`);
    run(["backup", "--quiet", "--host", "qs", "--tag", `qs-app=${app}`, "--tag", `qs-backup=${id}`, "--time", time, ...paths]);
  };
  for (const old of ["2025-12-15", "2025-12-31", "2026-01-05", "2026-01-31"]) snap("shop", `shop-${old}`, `${old} 03:00:00`, [data]);
  for (let t = Date.parse("2026-02-10T03:00:00Z"); t <= Date.parse("2026-03-10T03:00:00Z"); t += 86_400_000) {
    const d = new Date(t);
    snap("shop", `shop-${day(d)}`, `${day(d)} 03:00:00`, d < new Date("2026-02-15") ? [data] : [data, dump]);
  }
  snap("shop", "shop-manual", "2026-03-10 15:00:00", [data, dump]);
  // Another app's snapshot in the same repository is never touched by shop's prune.
  snap("blog", "blog-2025-06-01", "2025-06-01 03:00:00", [data]);
}, 180_000);

afterAll(async () => {
  await dir.remove();
});

describe("retention", () => {
  it("keeps the newest of each of the last 7 days, 4 ISO weeks and 6 months (and the oldest, as the months do not fill 6), deletes everything else", () => {
    const script = forgetCommand("shop", { daily: 7, weekly: 4, monthly: 6 });
    execFileSync("sh", ["-c", script], { env: env(), stdio: ["ignore", "ignore", "pipe"] });
    const left = (JSON.parse(run(["snapshots", "--json"])) as { tags: string[] }[]).map((s) => s.tags.find((t) => t.startsWith("qs-backup="))?.slice("qs-backup=".length)).sort();
    expect(left).toEqual(
      [
        "blog-2025-06-01",
        // monthly: the newest of December, January and February (March's is the manual run);
        // restic's rule: a --keep-* count the snapshots cannot fill also keeps the oldest one
        "shop-2025-12-15",
        "shop-2025-12-31",
        "shop-2026-01-31",
        "shop-2026-02-28",
        // weekly: ISO weeks 8 and 9 end on Sundays 02-22 and 03-01 (weeks 10, 11: daily ones)
        "shop-2026-02-22",
        "shop-2026-03-01",
        // daily: 03-04 … 03-09, and 03-10's newest run, the manual one
        "shop-2026-03-04",
        "shop-2026-03-05",
        "shop-2026-03-06",
        "shop-2026-03-07",
        "shop-2026-03-08",
        "shop-2026-03-09",
        "shop-manual",
      ].sort(),
    );
    // What was kept still restores (the prune removed only unreferenced data).
    run(["check", "--quiet"]);
  });

  it("a prune that finds the repository locked is put off: the run still succeeds and its record says why", async () => {
    const before = run(["snapshots", "--json"]);
    // A live restic holding a lock: a backup reading stdin that stays open.
    const holder = spawn(restic, ["backup", "--stdin", "--stdin-filename", "held", "--host", "other"], { env: env(), stdio: ["pipe", "ignore", "pipe"] });
    try {
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error("the holder took no lock")), 30_000);
        const poll = setInterval(() => {
          if (run(["list", "locks", "--no-lock"]).trim() !== "") {
            clearTimeout(deadline);
            clearInterval(poll);
            resolve();
          }
        }, 100);
      });
      const termination = join(dir.path, "termination-log");
      writeFileSync(termination, '{"message_type":"summary","snapshot_id":"abc"}');
      const script = pruneStep("shop", { daily: 1 }).join("\n").replaceAll("/dev/termination-log", termination).replaceAll("/tmp/forget.out", join(dir.path, "forget.out"));
      execFileSync("sh", ["-c", `set -eu\n${script}`], { env: env(), stdio: ["ignore", "ignore", "pipe"] });
      const record = backupRecord({ metadata: { name: "shop-backup-2" } }, { ok: true, message: readFileSync(termination, "utf8") });
      expect(record).toMatchObject({ status: "succeeded", snapshot: "abc" });
      expect(record.pruneSkipped).toMatch(/locked/);
      expect(run(["snapshots", "--json"])).toBe(before);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
