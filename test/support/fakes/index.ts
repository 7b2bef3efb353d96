import { PassThrough, Readable } from "node:stream";
import type { Principal } from "@qs/core";
import type { CommandIO, CommandServices } from "@qs/commands";
import { FakeAccessControl, FakeAuditLog, FakeBuildControl, FakeRepoStore } from "./access.ts";
import { FakeAppStore, FakeConfigStore, FakeReleaseManager } from "./apps.ts";

export * from "./apps.ts";
export * from "./access.ts";

/** Command services over in-memory ports, with handles to inspect their state. */
export function fakeServices(overrides: Partial<CommandServices> = {}) {
  const apps = new FakeAppStore();
  const config = new FakeConfigStore(apps);
  const releases = new FakeReleaseManager(apps, config);
  const access = new FakeAccessControl();
  const repos = new FakeRepoStore();
  const audit = new FakeAuditLog();
  const builds = new FakeBuildControl();
  const services: CommandServices = {
    apps,
    config,
    releases,
    access,
    repos,
    audit,
    builds,
    baseDomain: "qs.test",
    gitRemote: (app) => `ssh://git@qs.test:2222/${app}.git`,
    limits: { maxScale: 50 },
    ...overrides,
  };
  /** A snapshot of all state, to show a failed command changed nothing. */
  const snapshot = (): string =>
    JSON.stringify({
      apps: [...apps.apps.values()].map((a) => [a.name, a.spec]),
      config: [...config.vars.entries()].map(([k, v]) => [k, v.vars]),
      releases: [...releases.releases.entries()],
      repos: [...repos.repos],
    });
  return { services, apps, config, releases, access, repos, audit, builds, snapshot };
}

/** Captured streams for one command. */
export function captureIO(stdin = ""): CommandIO & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  return { stdin: Readable.from([stdin]), stdout, stderr, out: () => out, err: () => err };
}

export const admin: Principal = { user: "admin", role: "admin" };
export const dev: Principal = { user: "dana", role: "developer" };
