import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commit,
  gate,
  makeRepo,
  must,
  refOf,
  runGit,
  startGitHarness,
  until,
  type GitHarness,
} from "./harness.ts";

let h: GitHarness;
beforeAll(async () => {
  h = await startGitHarness();
});
afterAll(async () => {
  await h.close();
});

const runStarted = (app: string, sha?: string): Promise<void> =>
  expect
    .poll(() => h.runs.some((r) => r.app === app && (sha === undefined || r.sha === sha)), {
      timeout: 30_000,
    })
    .toBe(true);

describe("concurrent pushes", () => {
  it("serialises two pushes to one app; the second waits, says so, and sees the ref the first left", async () => {
    const app = "duo";
    h.apps.add(app);
    h.grants.add(app);
    const base = join(h.dir, "duo-base");
    await makeRepo(base, { "a.txt": "base" });
    await must(runGit(["push", h.sshUrl(app), "main"], { cwd: base, key: h.ann }));
    const ann = join(h.dir, "duo-ann");
    const bob = join(h.dir, "duo-bob");
    await must(runGit(["clone", "-q", h.sshUrl(app), ann], { cwd: h.dir, key: h.ann }));
    await must(runGit(["clone", "-q", h.sshUrl(app), bob], { cwd: h.dir, key: h.bob }));
    const a = await commit(ann, { "a.txt": "ann" }, "ann");
    const b = await commit(bob, { "b.txt": "bob" }, "bob");

    const events: string[] = [];
    const first = gate();
    h.scripts.set(app, async (p, out) => {
      events.push(`start ${p.principal.user}`);
      out.line(`-----> Building ${p.update.newSha.slice(0, 7)}`);
      if (p.update.newSha === a) await first.promise;
      events.push(`end ${p.principal.user}`);
      return { ok: true };
    });

    const pushA = runGit(["push", h.sshUrl(app), "main"], { cwd: ann, key: h.ann });
    await runStarted(app, a);
    let bobErr = "";
    const waiting = until(() =>
      /waiting for the deploy of duo started [\d.]+ s ago by ann…/.test(bobErr),
    );
    const pushB = runGit(["push", h.sshUrl(app), "main"], {
      cwd: bob,
      key: h.bob,
      onStderr: (t) => {
        bobErr += t;
        waiting.poke();
      },
    });
    await waiting.promise;
    expect(events).toEqual(["start ann"]); // bob's pipeline has not started while ann's runs
    first.open();
    const [ra, rb] = await Promise.all([pushA, pushB]);
    expect(ra.code, ra.stderr).toBe(0);
    // bob's push was based on the old main: git could not move main for it, so it is
    // refused before building, with what to do next, and nothing half-done.
    expect(rb.code).not.toBe(0);
    expect(rb.stderr).toContain(
      "remote: !     main moved while this push waited (another push landed first)",
    );
    expect(rb.stderr).toContain("remote: !     run git pull, then push again");
    expect(events).toEqual(["start ann", "end ann"]);
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(a);

    await must(runGit(["pull", "-q", "--rebase", h.sshUrl(app), "main"], { cwd: bob, key: h.bob }));
    const rebased = (await must(runGit(["rev-parse", "HEAD"], { cwd: bob }))).stdout.trim();
    expect(b).not.toBe(rebased);
    const again = await runGit(["push", h.sshUrl(app), "main"], { cwd: bob, key: h.bob });
    expect(again.code, again.stderr).toBe(0);
    expect(await refOf(h.repo(app), "refs/heads/main")).toBe(rebased);
    expect(events).toEqual(["start ann", "end ann", "start bob", "end bob"]);
  });

  it("runs pushes to five apps in parallel", async () => {
    const apps = ["five-1", "five-2", "five-3", "five-4", "five-5"];
    const all = gate();
    let started = 0;
    for (const app of apps) {
      h.apps.add(app);
      // Each pipeline waits until all five have started: serialised pushes would never finish.
      h.scripts.set(app, async () => {
        started++;
        if (started === apps.length) all.open();
        await all.promise;
        return { ok: true };
      });
    }
    const shas = await Promise.all(
      apps.map((app) => makeRepo(join(h.dir, app), { "app.txt": app })),
    );
    const results = await Promise.all(
      apps.map((app, i) =>
        i % 2 === 0
          ? runGit(["push", h.sshUrl(app), "main"], { cwd: join(h.dir, app), key: h.ann })
          : runGit(["push", h.httpUrl(app), "main"], { cwd: join(h.dir, app) }),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    for (const [i, app] of apps.entries())
      expect(await refOf(h.repo(app), "refs/heads/main")).toBe(shas[i]);
  });
});

describe.each(["ssh", "http"] as const)("over %s", (transport) => {
  const url = (app: string): string => (transport === "ssh" ? h.sshUrl(app) : h.httpUrl(app));

  it(
    "streams build lines to the client while the pipeline is still running",
    { timeout: 60_000 },
    async () => {
      const app = `stream-${transport}`;
      h.apps.add(app);
      const events: string[] = [];
      const held = gate();
      h.scripts.set(app, async (_p, out) => {
        out.line("       build step one");
        events.push("pipeline printed one");
        await held.promise; // opened only once the client has shown step one
        events.push("pipeline passed the gate");
        out.line("       build step two");
        return { ok: true };
      });
      const work = join(h.dir, app);
      await makeRepo(work, { "a.txt": "a" });
      let stderr = "";
      const r = await runGit(["push", url(app), "main"], {
        cwd: work,
        key: h.ann,
        onStderr: (t) => {
          stderr += t;
          if (stderr.includes("build step one") && !events.includes("client saw one")) {
            events.push("client saw one");
            held.open();
          }
        },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(events).toEqual([
        "pipeline printed one",
        "client saw one",
        "pipeline passed the gate",
      ]);
      expect(r.stderr.indexOf("build step one")).toBeLessThan(r.stderr.indexOf("build step two"));
    },
  );

  it(
    "a client that disconnects aborts the pipeline and the ref stays",
    { timeout: 60_000 },
    async () => {
      const app = `gone-${transport}`;
      h.apps.add(app);
      h.scripts.set(app, async (_p, out, signal) => {
        out.line("-----> Building");
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return { ok: true }; // too late: the signal fired, the hook rejects
      });
      const work = join(h.dir, app);
      await makeRepo(work, { "a.txt": "a" });
      const pushing = runGit(["push", url(app), "main"], { cwd: work, key: h.ann });
      await runStarted(app);
      pushing.kill();
      await pushing;
      await expect
        .poll(() => h.runs.find((r) => r.app === app)?.outcome, { timeout: 30_000 })
        .toBe("aborted");
      expect(await refOf(h.repo(app), "refs/heads/main")).toBeUndefined();
      // The app is not left locked: the next push goes through.
      h.scripts.delete(app);
      const next = await runGit(["push", url(app), "main"], { cwd: work, key: h.ann });
      expect(next.code, next.stderr).toBe(0);
    },
  );
});
