import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { sshExec } from "../../support/ssh.ts";
import { eventually } from "../deploy/harness.ts";
import { startCommandsHarness, type CommandsHarness } from "./harness.ts";
import { readdir } from "node:fs/promises";
import { BAD_INPUTS } from "../../support/fakes/bad-inputs.ts";

// Every apps:* verb of the command layer over a real OpenSSH client, against the kube
// stores on the Kubernetes API double (users, grants and audit there too).
let t: CommandsHarness;
beforeAll(async () => {
  t = await startCommandsHarness();
});
afterAll(async () => {
  await t.close();
});

const json = async (line: string) => {
  const res = await t.run(line);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as unknown;
};

describe("apps verbs over ssh", () => {
  it("creates, lists, shows and destroys an app with its repo", async () => {
    const app = t.appName("life");
    const created = await t.run(`apps:create ${app}`);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect(created.stdout).toContain(`https://${app}.qs.test`);
    expect(existsSync(`${t.repoRoot}/${app}.git/HEAD`)).toBe(true);
    expect(await json("apps:list --json")).toEqual(expect.arrayContaining([expect.objectContaining({ name: app })]));
    expect((await t.run("apps:list")).stdout).toMatch(new RegExp(`${app}\\s+-\\s+none\\s+not deployed`));
    expect(await json(`apps:info ${app} --json`)).toMatchObject({ name: app, spec: { deployBranch: "main" } });
    const refused = await t.run(`apps:destroy ${app}`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--confirm ${app}`);
    expect((await t.run(`apps:destroy ${app} --confirm ${app}`)).code).toBe(0);
    expect(await t.services.apps.exists(app)).toBe(false);
    expect(existsSync(`${t.repoRoot}/${app}.git`)).toBe(false);
  });

  it("edits config, domains, volumes, scale and settings, in text and --json", async () => {
    const app = t.appName("cfg");
    await t.run(`apps:create ${app}`);
    const set = await t.run(`apps:config-set ${app} DATABASE_URL='postgres://u:hunter2@db/x' "GREETING=hello world"`);
    expect(set.code).toBe(0);
    expect(set.stdout).not.toContain("hunter2");
    expect(set.stdout).toContain("applies at the first deploy");
    expect(await json(`apps:config ${app} --json`)).toEqual({
      DATABASE_URL: "postgres://u:hunter2@db/x",
      GREETING: "hello world",
    });
    expect((await t.run(`apps:config-get ${app} GREETING`)).stdout).toBe("hello world\n");
    expect((await t.run(`config:unset ${app} GREETING`)).code).toBe(0);
    expect((await t.run(`apps:config ${app} --shell`)).stdout).toBe(`export DATABASE_URL='postgres://u:hunter2@db/x'\n`);

    expect((await t.run(`apps:domains-add ${app} ${app}.example.com`)).code).toBe(0);
    expect(await json(`apps:domains ${app} --json`)).toEqual({ default: `${app}.qs.test`, custom: [`${app}.example.com`] });
    expect((await t.run(`apps:domains-remove ${app} ${app}.example.com`)).code).toBe(0);

    expect((await t.run(`apps:volumes-add ${app} data /data --size 2Gi`)).code).toBe(0);
    expect(await json(`apps:volumes ${app} --json`)).toEqual([{ name: "data", mountPath: "/data", size: "2Gi" }]);
    expect((await t.run(`apps:volumes-remove ${app} data --confirm ${app}`)).code).toBe(0);

    expect((await t.run(`ps:scale ${app} web=2`)).code).toBe(0);
    expect(await json(`apps:scale ${app} --json`)).toEqual({ web: 2 });
    expect((await t.run(`apps:resources-set ${app} -p web --cpu 250m --memory 256Mi`)).code).toBe(0);
    expect((await t.run(`apps:checks-set ${app} --path /healthz`)).code).toBe(0);
    expect((await t.run(`apps:builder-set ${app} dockerfile --engine buildkit`)).code).toBe(0);
    expect((await t.run(`apps:branch-set ${app} production`)).code).toBe(0);
    const { spec } = await t.services.apps.get(app);
    expect(spec).toMatchObject({
      processes: { web: { replicas: 2, cpu: "250m", memory: "256Mi" } },
      healthCheckPath: "/healthz",
      builder: { mode: "dockerfile", engine: "buildkit" },
      deployBranch: "production",
      domains: [],
      volumes: [],
    });
  });

  it("keeps both of two concurrent config-sets on different keys", async () => {
    const app = t.appName("conc");
    await t.run(`apps:create ${app}`);
    const results = await Promise.all([
      t.run(`apps:config-set ${app} ALPHA=1 --no-restart`),
      t.run(`apps:config-set ${app} BETA=2 --no-restart`),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(await t.services.config.get(app)).toEqual({ ALPHA: "1", BETA: "2" });
  });

  it("releases on config-set after a deploy, lists releases and rolls back", async () => {
    const app = t.appName("rel");
    await t.run(`apps:create ${app}`);
    await t.services.releases.deploy(
      { app, image: `127.0.0.1:5000/${app}@sha256:${"1".repeat(64)}`, gitSha: "a".repeat(40), processes: { web: "node s.js" }, author: "admin", description: "Deploy aaaaaaa" },
      { line: () => undefined },
      new AbortController().signal,
    );
    const set = await t.run(`apps:config-set ${app} MODE=prod`);
    expect(set.stderr).toBe("");
    expect(set.stdout).toContain("Released v2");
    const releases = (await json(`apps:releases ${app} --json`)) as { number: number }[];
    expect(releases.map((r) => r.number)).toEqual([2, 1]);
    const rolled = await t.run(`apps:rollback ${app} v1`);
    expect(rolled.stdout).toContain(`Rolled back ${app} to v1 as v3`);
    // The reconciler reports the rollout in the App status a moment later.
    await eventually(async () => /v3 \*/.test((await t.run(`apps:releases ${app}`)).stdout), "v3 serving");
  });

  it("refuses a developer what is not granted, allows what is, and audits both", async () => {
    const mine = t.appName("mine");
    const other = t.appName("other");
    await t.run(`apps:create ${mine}`);
    await t.run(`apps:create ${other}`);
    await t.users.grant("dev", mine);
    expect((await t.run(`apps:config-set ${mine} A=1 --no-restart`, t.devKey)).code).toBe(0);
    const refused = await t.run(`apps:config-set ${other} A=1`, t.devKey);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`access:grant ${other} dev`);
    const listed = JSON.parse((await t.run("apps:list --json", t.devKey)).stdout) as { name: string }[];
    expect(listed.map((a) => a.name)).toEqual([mine]);
    expect((await t.run(`apps:create x-${mine}`, t.devKey)).stderr).toContain("only admins");
    const ofOther = await t.audit.list({ app: other });
    expect(ofOther.find((e) => e.user === "dev")).toMatchObject({ command: "apps:config-set", exitCode: 1, error: "FORBIDDEN" });
    const ofMine = await t.audit.list({ app: mine });
    expect(ofMine.find((e) => e.user === "dev")).toMatchObject({ args: [mine, "A", "--no-restart"], exitCode: 0 });
  });

  it("answers --json with one JSON document for every apps verb", async () => {
    const app = t.appName("json");
    const lines = [
      `apps:create ${app}`,
      `apps:config-set ${app} K=v --no-restart`,
      `apps:config-get ${app} K`,
      `apps:config-unset ${app} K --no-restart`,
      `apps:domains-add ${app} ${app}.example.org`,
      `apps:domains-remove ${app} ${app}.example.org`,
      `apps:volumes-add ${app} data /data`,
      `apps:volumes-remove ${app} data --confirm ${app}`,
      `apps:scale ${app} web=1`,
      `apps:resources-set ${app} --memory 128Mi`,
      `apps:checks-set ${app} --tcp`,
      `apps:builder-set ${app} auto`,
      `apps:branch-set ${app} main`,
      `apps:releases ${app}`,
      `apps:info ${app}`,
      "help",
      "version",
      `apps:destroy ${app} --confirm ${app}`,
    ];
    for (const line of lines) {
      const res = await t.run(`${line} --json`);
      expect([line, res.code, res.stderr]).toEqual([line, 0, ""]);
      expect(() => JSON.parse(res.stdout) as unknown).not.toThrow();
    }
  });

  it("lists, shows and cancels builds through the real builds queue", async () => {
    const app = t.appName("bld");
    await t.run(`apps:create ${app}`);
    await t.builds.enqueue({
      buildId: `${app}-1`,
      app,
      gitSha: "c".repeat(40),
      engine: "kaniko",
      dockerfile: { path: "Dockerfile" },
      createdAt: new Date().toISOString(),
    });
    expect(await json(`apps:builds ${app} --json`)).toMatchObject([{ id: `${app}-1`, state: "queued" }]);
    expect((await t.run(`apps:builds ${app}`)).stdout).toMatch(new RegExp(`${app}-1\\s+queued\\s+ccccccc`));
    expect(await json(`apps:builds-output ${app} --json`)).toMatchObject({ build: { id: `${app}-1` }, lines: [] });
    const cancelled = await t.run(`apps:builds-cancel ${app}`);
    expect(cancelled).toMatchObject({ code: 0, stderr: "" });
    expect(await json(`apps:builds ${app} --json`)).toEqual([]);
    expect((await t.run(`apps:builds-cancel ${app}`)).stderr).toContain("no running or queued build");
  });

  it("writes CRLF line ends when the client asks for a terminal (ssh -t)", async () => {
    const res = await sshExec(t.ssh.port, t.adminKey, "help", { tty: true });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("Usage: ssh qs COMMAND [ARGS…] [--json]\r\n");
  });

  it("answers help, version and unknown commands with the documented exit codes", async () => {
    expect((await t.run("help")).stdout).toContain("apps:config-set");
    expect((await t.run("version")).stdout).toMatch(/^quickstack /);
    const unknown = await t.run("apps:lisst");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean: apps:list");
  });
});

describe("bad-input table over ssh", () => {
  // The unit table's app `shop` becomes this app, set up the same way.
  const app = `bad-${Date.now().toString(36)}`;
  let before: string;
  let beforeTable: string;
  // Per case: the app's spec and config (what almost every verb would touch). Releases,
  // the app list and the repos are compared once after the whole table, which still
  // catches any change since bad commands never undo one.
  const snapshot = async () =>
    JSON.stringify({ spec: (await t.services.apps.get(app)).spec, config: await t.services.config.get(app) });
  const fullSnapshot = async () =>
    JSON.stringify({
      app: await snapshot(),
      releases: (await t.services.releases.list(app)).map((r) => r.number),
      apps: (await t.services.apps.list()).map((a) => a.name).sort(),
      repos: (await readdir(t.repoRoot)).sort(),
    });

  beforeAll(async () => {
    await t.run(`apps:create ${app}`);
    await t.services.releases.deploy(
      { app, image: `127.0.0.1:5000/${app}@sha256:${"2".repeat(64)}`, gitSha: "b".repeat(40), processes: { web: "w", worker: "k" }, author: "admin", description: "Deploy" },
      { line: () => undefined },
      new AbortController().signal,
    );
    for (const line of [
      `apps:config-set ${app} A=1 --no-restart`,
      `apps:domains-add ${app} www.${app}.example`,
      `apps:volumes-add ${app} data /data`,
      `apps:scale ${app} web=1 worker=1`,
    ]) {
      const res = await t.run(line);
      if (res.code !== 0) throw new Error(`${line}: ${res.stderr}`);
    }
    before = await snapshot();
    beforeTable = await fullSnapshot();
  });

  afterAll(async () => {
    expect(await fullSnapshot()).toBe(beforeTable);
  });

  const cases = BAD_INPUTS.map(([line, code, message]) => {
    const aimed = line.replaceAll(/\bshop\b/g, app);
    return [aimed.length > 80 ? `${aimed.slice(0, 80)}…` : aimed, aimed, code, message] as const;
  });
  // Concurrent (vitest's maxConcurrency, 5): every case must leave the state unchanged, so
  // each snapshot taken after any case still has to equal the one from before the table.
  it.concurrent.for(cases)("%s", async ([, line, code, message], { expect }) => {
    const res = await t.run(line);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe("");
    expect(res.code).toBe(code);
    expect(await snapshot()).toBe(before);
  });
});
