import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace, silentLogger, type Principal } from "@qs/core";
import { createClusterOps, createNodeOps, createUserStore } from "@qs/kube";
import { startDeployHarness, type DeployHarness } from "../../../../test/e2e/deploy/harness.ts";
import type { CommandServices } from "../command.ts";
import { runCommandLine } from "../dispatch.ts";

// Bad input to the account, audit, node and ops verbs: each is refused with exit 2 and a
// message saying what is wrong, and nothing in the cluster changes (users, audit, pods,
// Deployments are compared before and after).

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDvloulHUilkg9oQwDOLhBYDPk/MYmhqxzrKCb2AojRI c@ed25519";
const ED_BLOB = ED.split(" ")[1] ?? "";

const CASES: readonly (readonly [line: string, stdin: string, message: RegExp])[] = [
  ["users:add", "", /missing arguments/],
  ["users:add 'Bad Name'", "", /user name/],
  ["users:add -dash", "", /unknown flag/],
  ["users:add x_y", "", /user name/],
  [`users:add ${"a".repeat(33)}`, "", /user name/],
  ["users:add bob --role root", "", /unknown role/],
  ["users:add bob --role", "", /needs a value/],
  ["users:add bob carol", "", /unexpected argument/],
  ["users:remove", "", /missing arguments/],
  ["users:remove ../etc", "", /user name/],
  ["users:list extra", "", /unexpected argument/],
  ["users:password-set admin", "", /no password/],
  ["users:password-set admin", "short\n", /at least 8/],
  ["users:password-set 'UP'", "long enough pw\n", /user name/],
  ["users:2fa-enable a b", "", /unexpected argument/],
  ["keys:add admin", "", /no public key/],
  ["keys:add admin", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", /not accepted/],
  ["keys:add admin", `ssh-ed25519 ${ED_BLOB.slice(0, 20)}`, /malformed|not base64|truncated|wrong key length/],
  ["keys:add admin", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n", /private key/],
  ["keys:add admin", `ssh-rsa ${ED_BLOB}`, /does not hold/],
  ["keys:add admin", `${ED}\n${ED}\n`, /one public key line/],
  ["keys:add admin", "not a key at all", /not accepted/],
  ["keys:remove", "", /missing arguments/],
  ["keys:remove abc", "", /not a SHA256 key fingerprint/],
  ["keys:remove MD5:aa:bb", "", /not a SHA256 key fingerprint/],
  ["keys:remove SHA256:short", "", /not a SHA256 key fingerprint/],
  ["keys:list a b", "", /unexpected argument/],
  ["tokens:create", "", /missing arguments/],
  ["tokens:create 'with space'", "", /token name/],
  ["tokens:create UPPER", "", /token name/],
  [`tokens:create ${"t".repeat(41)}`, "", /token name/],
  ["tokens:revoke", "", /missing arguments/],
  ["tokens:revoke x --user", "", /needs a value/],
  ["access:grant shop", "", /missing arguments/],
  ["access:grant Shop admin", "", /app name/],
  ["access:grant shop 'bad user'", "", /user name/],
  ["access:grant qs admin", "", /reserved/],
  ["access:revoke -x shop admin", "", /unknown flag/],
  ["audit -n 0", "", /whole number/],
  ["audit -n 1001", "", /whole number/],
  ["audit -n abc", "", /whole number/],
  ["audit a b", "", /unexpected argument/],
  ["audit BAD", "", /app name/],
  ["nodes:list --wide", "", /unknown flag/],
  ["nodes:join-command now", "", /unexpected argument/],
  ["apps:logs", "", /missing arguments/],
  ["apps:logs shop -n 0", "", /whole number/],
  ["apps:logs shop -n 99999", "", /whole number/],
  ["apps:logs shop -n -5", "", /whole number/],
  ["apps:logs shop -p 'Web!'", "", /process type/],
  ["apps:logs shop --since 1h", "", /unknown flag/],
  ["apps:logs shop extra", "", /unexpected argument/],
  ["apps:ps", "", /missing arguments/],
  ["apps:ps shop web", "", /unexpected argument/],
  ["apps:ps 'sh op'", "", /app name/],
  ["apps:restart shop 'w b'", "", /process type/],
  ["apps:restart shop web worker", "", /unexpected argument/],
  ["apps:restart", "", /missing arguments/],
  ["apps:run", "", /missing APP/],
  ["apps:run shop", "", /missing CMD/],
  ["apps:run shop --", "", /missing CMD/],
  ["apps:run SHOP ls", "", /app name/],
  ["apps:enter", "", /missing APP/],
  ["apps:enter ../../etc", "", /app name/],
  ["apps:enter 'shop;rm' sh", "", /app name/],
  ["users:add \"unterminated", "", /quote/i],
];

let h: DeployHarness;
let services: CommandServices;
const admin: Principal = { user: "admin", role: "admin" };

async function snapshot(): Promise<string> {
  const pods = await h.apis.pods.list(appNamespace("shop"));
  const deployments = await h.apis.deployments.list(appNamespace("shop"));
  return JSON.stringify({
    users: await services.users?.list(),
    pods: pods.items.map((p) => p.metadata?.name).sort(),
    deployments: deployments.items.map((d) => [d.metadata?.name, d.spec?.template.metadata?.annotations]),
  });
}

beforeAll(async () => {
  h = await startDeployHarness();
  await h.apis.namespaces.create({ metadata: { name: "qs-system" } });
  const users = createUserStore({ apis: h.apis });
  services = {
    apps: h.apps,
    config: h.config,
    releases: h.releases,
    access: users,
    repos: { createEmpty: () => Promise.resolve({}), remove: () => Promise.resolve() },
    // No audit log: recorded failures are the one change bad input is allowed to make.
    baseDomain: "qs.test",
    limits: { maxScale: 50 },
    logger: silentLogger,
    users,
    ops: createClusterOps({ apis: h.apis, pollMs: 50 }),
    nodes: createNodeOps({ apis: h.apis }),
  };
  await h.apps.create("shop", "admin");
  await users.ensureFirstAdmin(ED);
});
afterAll(async () => {
  await h.close();
});

describe("bad input to account, audit, node and ops verbs", () => {
  it("has a case for every verb family", () => {
    const families = new Set(CASES.map(([line]) => line.split(/[ :]/)[0]));
    expect([...families].sort()).toEqual(["access", "apps", "audit", "keys", "nodes", "tokens", "users"]);
  });

  it.each(CASES.map(([line, stdin, message]) => [line.slice(0, 70), line, stdin, message] as const))(
    "%s",
    async (_label, line, stdin, message) => {
      const before = await snapshot();
      let err = "";
      const sink = (append: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (append(c.toString()), cb()) });
      const code = await runCommandLine(
        line,
        admin,
        { stdin: Readable.from([Buffer.from(stdin)]), stdout: sink(() => undefined), stderr: sink((s) => (err += s)) },
        services,
        new AbortController().signal,
      );
      expect(err).toMatch(message);
      expect(err).toMatch(/^error: /);
      expect(code).toBe(2);
      expect(await snapshot()).toBe(before);
    },
  );
});
