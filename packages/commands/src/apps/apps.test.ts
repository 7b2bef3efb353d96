import { execFileSync } from "node:child_process";
import { beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "@qs/core";
import { admin, captureIO, dev, fakeServices } from "../../../../test/support/fakes/index.ts";
import { invokeCommand, runCommandLine } from "../dispatch.ts";
import { appsRollback } from "./rollback.ts";

// Unit tests of each apps:* verb against in-memory implementations of the core ports
// (test/support/fakes); the same verbs run over SSH against the API double in test/e2e.
let env: ReturnType<typeof fakeServices>;

async function run(line: string, who: Principal = admin, stdin = "") {
  const io = captureIO(stdin);
  const code = await runCommandLine(line, who, io, env.services, new AbortController().signal);
  return { code, out: io.out(), err: io.err() };
}

async function deployed(app: string, processes: Record<string, string> = { web: "node s.js", worker: "node w.js" }) {
  await run(`apps:create ${app}`);
  await env.releases.deploy(
    { app, image: `reg/${app}@sha256:1`, gitSha: "a".repeat(40), processes, author: "admin", description: "Deploy aaaaaaa" },
    { line: () => undefined },
  );
}

beforeEach(() => {
  env = fakeServices();
});

describe("apps:create / list / info / destroy", () => {
  it("creates the app and its repo, and lists it", async () => {
    const created = await run("apps:create shop");
    expect(created).toMatchObject({ code: 0, err: "" });
    expect(created.out).toContain("https://shop.qs.test");
    expect(created.out).toContain("git remote add qs ssh://git@qs.test:2222/shop.git");
    expect(env.repos.repos.has("shop")).toBe(true);
    const list = await run("apps:list --json");
    expect(JSON.parse(list.out)).toMatchObject([{ name: "shop", release: null, url: "https://shop.qs.test" }]);
    expect((await run("apps:list")).out).toMatch(/NAME\s+RELEASE/);
    expect((await run("apps:create shop")).code).toBe(1);
  });

  it("says so when a repo left by an earlier app of that name was moved aside", async () => {
    env.repos.repos.add("shop"); // a destroy that never removed its repo
    const created = await run("apps:create shop");
    expect(created.code).toBe(0);
    expect(created.out).toContain('a repository left by an earlier app "shop" was moved to /repos/.orphaned/shop.git; this app starts empty');
  });

  it("rolls the app back when its repo cannot be made", async () => {
    env.repos.failNextCreate = true;
    expect((await run("apps:create shop")).code).toBe(1);
    expect(env.apps.apps.has("shop")).toBe(false);
  });

  it("shows info as text and JSON", async () => {
    await deployed("shop");
    const info = await run("apps:info shop");
    expect(info.out).toMatch(/release:\s+v1/);
    expect(JSON.parse((await run("apps:info shop --json")).out)).toMatchObject({ name: "shop", spec: { release: 1 } });
    expect(await run("apps:info nope")).toMatchObject({ code: 1, err: expect.stringContaining("apps:create nope") });
  });

  it("destroys only with a matching --confirm", async () => {
    await run("apps:create shop");
    expect((await run("apps:destroy shop")).err).toContain("--confirm shop");
    expect((await run("apps:destroy shop --confirm shap")).code).toBe(2);
    expect(env.apps.apps.has("shop")).toBe(true);
    expect((await run("apps:destroy shop --confirm shop")).code).toBe(0);
    expect(env.apps.apps.has("shop")).toBe(false);
    expect(env.repos.repos.has("shop")).toBe(false);
  });

  it("deletes the destroyed app's registry images, and still destroys when the registry fails", async () => {
    const removed: string[] = [];
    env = fakeServices({ images: { removeApp: (app) => (removed.push(app), Promise.resolve({ deleted: 4 })) } });
    await run("apps:create shop");
    const done = await run("apps:destroy shop --confirm shop");
    expect(done).toMatchObject({ code: 0, out: "Destroyed shop (4 images deleted from the registry)\n" });
    expect(removed).toEqual(["shop"]);

    env = fakeServices({ images: { removeApp: () => Promise.reject(new Error("registry unreachable")) } });
    await run("apps:create shop");
    const partly = await run("apps:destroy shop --confirm shop --json");
    expect(partly.code).toBe(0);
    expect(JSON.parse(partly.out)).toEqual({ name: "shop", destroyed: true, imagesDeleted: null, detachedFrom: [] });
    expect(env.apps.apps.has("shop")).toBe(false);
    await run("apps:create web");
    expect((await run("apps:destroy web --confirm web")).out).toBe(
      "Destroyed web\n !     its images could not be deleted from the registry (registry unreachable); they only use disk\n",
    );
  });
});

describe("config", () => {
  it("sets, masks, gets, lists, unsets and releases", async () => {
    await deployed("shop");
    const secret = "postgres://user:hunter2@db/shop";
    const set = await run(`apps:config-set shop DATABASE_URL='${secret}' MODE=prod`);
    expect(set.code).toBe(0);
    expect(set.out).not.toContain("hunter2");
    expect(set.out).toContain("post****");
    expect(set.out).toContain("Released v2");
    expect((await run("apps:config-get shop DATABASE_URL")).out).toBe(`${secret}\n`);
    expect(JSON.parse((await run("apps:config shop --json")).out)).toEqual({ DATABASE_URL: secret, MODE: "prod" });
    expect((await run("apps:config shop --shell")).out).toContain(`export DATABASE_URL='${secret}'`);
    const unset = await run("config:unset shop MODE GONE --no-restart");
    expect(unset.out).toMatch(/Unset MODE[\s\S]*Not set: GONE[\s\S]*Not restarted/);
    expect(env.releases.releases.get("shop")).toHaveLength(2);
    expect((await run("apps:config-get shop MODE")).code).toBe(1);
  });

  it("reads KEY=- from stdin with the same limits, and never through the API", async () => {
    await run("apps:create shop");
    const pem = `-----BEGIN CERTIFICATE-----\n${"A".repeat(64)}\n-----END CERTIFICATE-----`;
    const set = await run("apps:config-set shop TLS_CERT=- MODE=prod --no-restart", admin, `${pem}\n`);
    expect(set).toMatchObject({ code: 0, err: "" });
    expect(await env.config.get("shop")).toEqual({ TLS_CERT: pem, MODE: "prod" });
    expect(env.audit.entries.at(-1)?.args).toEqual(["shop", "TLS_CERT", "MODE", "--no-restart"]);

    const before = env.snapshot();
    const big = await run("apps:config-set shop BIG=-", admin, "x".repeat(32 * 1024 + 1));
    expect(big).toMatchObject({ code: 1, out: "" });
    expect(big.err).toContain("value of BIG on stdin is over 32768 bytes");
    expect((await run("apps:config-set shop E=-", admin, "")).err).toContain("no value for E on stdin");
    expect((await run("apps:config-set shop A=- B=-", admin, "v")).err).toContain("only one KEY=- per command");
    expect((await run("apps:config-set shop N=-", admin, "a\0b")).err).toContain("NUL byte");
    const io = { ...captureIO("v"), tty: { cols: 80, rows: 24, term: "xterm", onResize: () => undefined } };
    expect(await runCommandLine("apps:config-set shop T=-", admin, io, env.services, new AbortController().signal)).toBe(2);
    expect(io.err()).toContain("without -t");
    expect(env.snapshot()).toBe(before);

    // The API has no stdin: "-" is the value itself.
    const viaApi = await invokeCommand("apps:config-set", ["--", "shop", "DASH=-"], admin, captureIO("ignored"), env.services, new AbortController().signal, { via: "api" });
    expect(viaApi.ok).toBe(true);
    expect((await env.config.get("shop")).DASH).toBe("-");
  });

  it("keeps both of two concurrent sets of different keys", async () => {
    await deployed("shop");
    const [a, b] = await Promise.all([run("apps:config-set shop A=1"), run("apps:config-set shop B=2")]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(await env.config.get("shop")).toEqual({ A: "1", B: "2" });
  });

  it("says when there is no release to restart, and --json prints only JSON", async () => {
    await run("apps:create shop");
    expect((await run("config:set shop A=1")).out).toContain("applies at the first deploy");
    const json = await run("apps:config-set shop B=2 --json");
    expect(JSON.parse(json.out)).toEqual({ app: "shop", keys: ["B"], release: null, restarted: false });
  });
});

describe("control characters in output", () => {
  const title = "\u001b]0;owned\u0007\u001b[2J";
  // eslint-disable-next-line no-control-regex -- raw control characters are what must not appear
  const ESC = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

  it("escapes them in text, keeps JSON exact and --shell evaluable", async () => {
    await run("apps:create shop");
    expect((await run(`apps:config-set shop "T=x${title}" "N=a\nFAKE=2" --no-restart`)).code).toBe(0);
    const listed = await run("apps:config shop");
    expect(listed.out).not.toMatch(ESC);
    expect(listed.out).toContain("x\\x1b]0;owned\\x07\\x1b[2J");
    // A newline in a value must not read as a second variable.
    expect(listed.out.split("\n").filter((l) => l !== "")).toHaveLength(2);
    expect(listed.out).toContain("a\\nFAKE=2");
    expect(JSON.parse((await run("apps:config shop --json")).out)).toEqual({ N: "a\nFAKE=2", T: `x${title}` });
    const shell = (await run("apps:config shop --shell")).out;
    expect(shell).not.toMatch(ESC);
    const evaluated = execFileSync("bash", ["-c", `${shell}\nprintf '%s|%s' "$T" "$N"`], { encoding: "utf8" });
    expect(evaluated).toBe(`x${title}|a\nFAKE=2`);
    // config-get prints the value itself: line breaks stay (a PEM), escapes do not.
    expect((await run("apps:config-get shop N")).out).toBe("a\nFAKE=2\n");
    expect((await run("apps:config-get shop T")).out).toBe("x\\x1b]0;owned\\x07\\x1b[2J\n");
  });

  it("escapes them in error messages and in the audit log", async () => {
    await run("apps:create shop");
    const refused = await run(`apps:config-set shop "X\n2025-01-01 00:00:00  admin  apps:destroy shop  ok${title}"`);
    expect(refused.code).toBe(2);
    expect(refused.err).not.toMatch(ESC);
    const audit = await run("audit shop");
    expect(audit.out).not.toMatch(ESC);
    // The header, apps:create and the rejected config-set: no forged fourth line.
    expect(audit.out.trimEnd().split("\n")).toHaveLength(3);
    expect(env.audit.entries.at(-1)?.args[1]).toMatch(/^X\\n2025/);
  });
});

describe("domains", () => {
  it("adds, lists and removes; refuses duplicates and other apps' domains", async () => {
    await run("apps:create shop");
    await run("apps:create blog");
    expect((await run("apps:domains-add shop Shop.Example.com")).code).toBe(0);
    expect(JSON.parse((await run("apps:domains shop --json")).out)).toEqual({
      default: "shop.qs.test",
      custom: ["shop.example.com"],
    });
    expect((await run("apps:domains-add shop shop.example.com")).err).toContain("already");
    expect((await run("apps:domains-add blog shop.example.com")).err).toContain("another app");
    expect((await run("apps:domains-add blog x.qs.test")).err).toContain("base domain");
    expect((await run("apps:domains-remove shop shop.example.com")).code).toBe(0);
    expect((await run("apps:domains-remove shop shop.example.com")).err).toContain("is not a domain");
  });

  it("accepts wildcards only when the limits allow them", async () => {
    env = fakeServices({ limits: { maxScale: 50, wildcardDomains: true } });
    await run("apps:create shop");
    expect((await run("apps:domains-add shop *.example.com")).code).toBe(0);
  });
});

describe("scale", () => {
  it("shows, sets and changes relatively; refuses unknown types and limits", async () => {
    await deployed("shop");
    expect((await run("ps:scale shop web=2 worker+1")).code).toBe(0);
    expect(JSON.parse((await run("apps:scale shop --json")).out)).toEqual({ web: 2, worker: 1 });
    expect((await run("apps:scale shop web-1")).code).toBe(0);
    expect(env.apps.apps.get("shop")?.spec.processes.web?.replicas).toBe(1);
    expect((await run("apps:scale shop")).out).toMatch(/TYPE\s+REPLICAS/);
    expect((await run("apps:scale shop clock=1")).err).toContain("known process types: web, worker");
    expect((await run("apps:scale shop web=51")).code).toBe(1);
    expect((await run("apps:scale shop worker-2")).code).toBe(2);
  });
});

describe("volumes", () => {
  it("adds, lists and removes with confirmation", async () => {
    await run("apps:create shop");
    expect((await run("apps:volumes-add shop data /data --size 5Gi --storage-class local-path")).code).toBe(0);
    expect(JSON.parse((await run("apps:volumes shop --json")).out)).toEqual([
      { name: "data", mountPath: "/data", size: "5Gi", storageClass: "local-path" },
    ]);
    expect((await run("apps:volumes-add shop data /other")).err).toContain("already");
    expect((await run("apps:volumes-add shop other /data/sub")).err).toContain("overlaps");
    expect((await run("apps:volumes-remove shop data")).code).toBe(2);
    expect((await run("apps:volumes-remove shop data --confirm shop")).code).toBe(0);
    expect((await run("apps:volumes shop")).out).toContain("no volumes");
  });
});

describe("releases and rollback", () => {
  it("lists releases and rolls back as a new release", async () => {
    await deployed("shop");
    await run("apps:config-set shop A=1");
    const rolled = await run("apps:rollback shop v1");
    expect(rolled.out).toContain("Rolled back shop to v1 as v3");
    const list = JSON.parse((await run("apps:releases shop --json")).out) as { number: number; description: string }[];
    expect(list.map((r) => r.number)).toEqual([3, 2, 1]);
    expect(list[0]?.description).toBe("Rollback to v1");
    expect((await run("apps:rollback shop v9")).code).toBe(1);
    expect((await run("apps:rollback shop latest")).code).toBe(2);
  });

  it("rolls back to the previous release without a version, and says which", async () => {
    await run("apps:create shop");
    const none = await run("apps:rollback shop");
    expect(none).toMatchObject({ code: 1, out: "" });
    expect(none.err).toContain("shop has no releases to roll back to");
    await deployed("shop");
    const only = await run("apps:rollback shop");
    expect(only.err).toContain("shop has only v1: there is no previous release");
    await run("apps:config-set shop A=1");
    const rolled = await run("apps:rollback shop");
    expect(rolled).toMatchObject({ code: 0, err: "" });
    expect(rolled.out).toContain("Rolled back shop to v1 (Deploy aaaaaaa) as v3");
    // Heroku's rule: the release before the newest, so a second rollback returns to v2's state.
    expect(JSON.parse((await run("apps:rollback shop --json")).out)).toMatchObject({ rolledBackTo: 2, release: 4 });
    // The API's body field is optional in the same way.
    expect(appsRollback.api?.toArgs({ params: { app: "shop" }, query: {}, body: {} })).toEqual(["--", "shop"]);
    expect(appsRollback.api?.toArgs({ params: { app: "shop" }, query: {}, body: { release: "v2" } })).toEqual(["--", "shop", "v2"]);
  });

  it("refuses a rollback whose image was pruned from the registry, changing nothing", async () => {
    const asked: string[] = [];
    env = fakeServices({
      images: {
        removeApp: () => Promise.resolve({ deleted: 0 }),
        has: (_app, image) => (asked.push(image), Promise.resolve(false)),
      },
    });
    await deployed("shop");
    await run("apps:config-set shop A=1");
    const before = env.snapshot();
    const refused = await run("apps:rollback shop v1");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("the image of shop v1 is no longer in the registry");
    expect(refused.err).toContain("ssh qs apps:releases shop");
    expect(asked).toEqual(["reg/shop@sha256:1"]);
    expect(env.snapshot()).toBe(before);
  });
});

describe("settings verbs", () => {
  it("sets resources, checks, builder and branch", async () => {
    await deployed("shop");
    expect((await run("apps:resources-set shop -p web --cpu 500m --memory 512Mi")).code).toBe(0);
    expect((await run("apps:resources-set shop --memory 1Gi")).code).toBe(0);
    const spec = () => env.apps.apps.get("shop")!.spec;
    expect(spec().processes).toEqual({
      web: { replicas: 1, cpu: "500m", memory: "1Gi" },
      worker: { replicas: 0, memory: "1Gi" },
    });
    expect((await run("apps:resources-set shop")).code).toBe(2);
    expect((await run("apps:checks-set shop --path /health")).code).toBe(0);
    expect(spec().healthCheckPath).toBe("/health");
    expect((await run("apps:checks-set shop --tcp")).code).toBe(0);
    expect(spec().healthCheckPath).toBeUndefined();
    expect((await run("apps:builder-set shop dockerfile --engine buildkit --dockerfile docker/web.Dockerfile")).code).toBe(0);
    expect(spec().builder).toEqual({ mode: "dockerfile", engine: "buildkit", dockerfile: "docker/web.Dockerfile" });
    expect((await run("apps:builder-set shop --engine default")).code).toBe(0);
    expect(spec().builder).toEqual({ mode: "dockerfile", dockerfile: "docker/web.Dockerfile" });
    expect((await run("apps:branch-set shop refs/heads/production")).code).toBe(0);
    expect(spec().deployBranch).toBe("production");
  });
});

describe("access and audit", () => {
  it("lets developers touch only granted apps and hides others from apps:list", async () => {
    await run("apps:create shop");
    await run("apps:create blog");
    env.access.grant("dana", "shop");
    expect((await run("apps:config-set shop A=1", dev)).code).toBe(0);
    const refused = await run("apps:config-set blog A=1", dev);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("access:grant blog dana");
    expect((await run("apps:info ghost", dev)).err).toContain("do not have access");
    expect(JSON.parse((await run("apps:list --json", dev)).out)).toMatchObject([{ name: "shop" }]);
    expect((await run("apps:create new", dev)).err).toContain("only admins");
    expect((await run("apps:destroy shop --confirm shop", dev)).code).toBe(1);
    expect(env.apps.apps.has("shop")).toBe(true);
  });

  it("records mutating commands without secret values, and not reads", async () => {
    await run("apps:create shop");
    await run("apps:config-set shop TOKEN=s3cret");
    await run("apps:config shop");
    await run("apps:scale shop web=x");
    expect(env.audit.entries.map((e) => [e.command, e.args, e.app, e.exitCode, e.error])).toEqual([
      ["apps:create", ["shop"], "shop", 0, undefined],
      ["apps:config-set", ["shop", "TOKEN"], "shop", 0, undefined],
      ["apps:scale", ["shop", "web=x"], "shop", 2, "INVALID_SCALE"],
    ]);
    expect(JSON.stringify(env.audit.entries)).not.toContain("s3cret");
  });

  it("names the app the verb validated, even after flags", async () => {
    await deployed("shop");
    await run("apps:resources-set -p web shop --cpu 1");
    expect(env.audit.entries.at(-1)).toMatchObject({ command: "apps:resources-set", app: "shop", exitCode: 0 });
  });
});

describe("help and version", () => {
  it("generates help from the registry and answers --help", async () => {
    const help = await run("help");
    expect(help.out).toContain("apps:config-set");
    expect(help.out).toContain("Set config vars");
    expect((await run("help config:set")).out).toContain("Usage: ssh qs apps:config-set APP KEY=VALUE… [KEY=- < file] [--no-restart]");
    expect((await run("apps:scale --help")).out).toContain("Aliases: ps:scale, scale");
    expect((await run("version")).out).toMatch(/^quickstack \d+\.\d+\.\d+\n$/);
    expect(JSON.parse((await run("version --json")).out)).toHaveProperty("version");
    expect((await run("help nope")).code).toBe(1);
  });

  it("suggests close names for unknown commands", async () => {
    const res = await run("apps:lst");
    expect(res.code).toBe(2);
    expect(res.err).toContain("did you mean: apps:list");
  });
});

describe("builds", () => {
  it("lists builds, shows output and cancels the running one", async () => {
    await run("apps:create shop");
    expect((await run("apps:builds shop")).out).toContain("no builds yet");
    expect((await run("apps:builds-output shop")).code).toBe(1);
    const at = new Date(0).toISOString();
    env.builds.add({ id: "b1", app: "shop", gitSha: "a".repeat(40), state: "failed", createdAt: at, reason: "exit 1" }, ["-----> Building", "boom"]);
    env.builds.add({ id: "b2", app: "shop", gitSha: "b".repeat(40), state: "running", createdAt: at }, ["-----> Building"]);
    expect((await run("apps:builds shop")).out).toMatch(/b2\s+running\s+bbbbbbb[\s\S]*b1\s+failed\s+aaaaaaa\s+\S+\s+exit 1/);
    expect((await run("apps:builds-output shop b1")).out).toBe("-----> Building\nboom\n");
    expect(JSON.parse((await run("apps:builds-output shop --json")).out)).toMatchObject({ build: { id: "b2" } });
    expect((await run("apps:builds-output shop ../x")).code).toBe(2);
    expect((await run("apps:builds-cancel shop")).out).toContain("Cancelled");
    expect((await run("apps:builds-cancel shop")).err).toContain("no running or queued build");
  });

  it("says so when the control plane has no build port", async () => {
    env = fakeServices({ builds: undefined });
    await run("apps:create shop");
    expect((await run("apps:builds shop")).err).toContain("builds are not available");
  });
});

describe("apps:autoscale", () => {
  const spec = () => env.apps.apps.get("shop")!.spec;

  it("sets bounds and targets, refuses apps:scale on the autoscaled type, and --off hands the count back", async () => {
    await deployed("shop");
    const on = await run("apps:autoscale shop web --min 1 --max 5 --cpu 70%");
    expect(on).toMatchObject({ code: 0, err: "" });
    expect(on.out).toContain("Autoscaling web of shop: 1-5 replicas, cpu 70%");
    expect(spec().processes.web?.autoscale).toEqual({ min: 1, max: 5, cpuPercent: 70 });

    const scaled = await run("apps:scale shop web=3");
    expect(scaled.code).toBe(2);
    expect(scaled.err).toContain("web of shop is autoscaled (1-5 replicas, cpu 70%)");
    expect(scaled.err).toContain("apps:autoscale shop web --off");
    expect((await run("apps:scale shop worker=2")).code).toBe(0);

    expect((await run("apps:autoscale shop web --min 2 --max 3 --memory 80")).code).toBe(0);
    expect(spec().processes.web?.autoscale).toEqual({ min: 2, max: 3, memoryPercent: 80 });
    const off = await run("apps:autoscale shop web --off --json");
    expect(JSON.parse(off.out)).toMatchObject({ process: "web", autoscale: null });
    expect(spec().processes.web?.autoscale).toBeUndefined();
    expect((await run("apps:scale shop web=3")).code).toBe(0);
  });

  it("defaults to a CPU target and refuses bad bounds without changing anything", async () => {
    await deployed("shop");
    expect((await run("apps:autoscale shop worker --min 1 --max 2")).code).toBe(0);
    expect(spec().processes.worker?.autoscale).toEqual({ min: 1, max: 2, cpuPercent: 80 });
    const before = JSON.stringify(spec());
    for (const [line, message] of [
      ["apps:autoscale shop web --min 3 --max 2", "--max (2) is below --min (3)"],
      ["apps:autoscale shop web --min 0 --max 2", "--min must be 1 or more"],
      ["apps:autoscale shop web --min 1 --max 2 --cpu lots", "--cpu must be a percentage"],
      ["apps:autoscale shop web --min 1 --max 100000", "--max must be a whole number"],
      ["apps:autoscale shop web --max 2", "give --min and --max"],
      ["apps:autoscale shop cron --min 1 --max 2", 'process type "cron" is not defined'],
      ["apps:autoscale shop web --off --min 1", "--off takes no other flags"],
    ] as const) {
      const res = await run(line);
      expect(res.code, line).not.toBe(0);
      expect(res.err, line).toContain(message);
    }
    expect(JSON.stringify(spec())).toBe(before);
  });
});
