import { describe, expect, it } from "vitest";
import { ForbiddenError, type Principal } from "@qs/core";
import { admin, captureIO, dev, fakeServices } from "../../../test/support/fakes/index.ts";
import { splitCommandLine } from "./argv.ts";
import { invokeCommand } from "./dispatch.ts";

// The authorisation table for the apps verbs: each role × verb × own/other app is
// allowed or refused (FORBIDDEN) as specified: admins everything; developers only
// granted apps, and never apps:create / apps:destroy. `dana` is granted `mine` only.
const VERBS: readonly string[] = [
  "apps:info APP",
  "apps:config APP",
  "apps:config-get APP A",
  "apps:config-set APP B=2",
  "apps:config-unset APP A",
  "apps:domains APP",
  "apps:domains-add APP x.example.com",
  "apps:domains-remove APP d.example.com",
  "apps:scale APP",
  "apps:scale APP web=2",
  "apps:volumes APP",
  "apps:volumes-add APP v /v",
  "apps:volumes-remove APP data --confirm APP",
  "apps:releases APP",
  "apps:rollback APP v1",
  "apps:builds APP",
  "apps:builds-output APP",
  "apps:builds-cancel APP",
  "apps:resources-set APP --cpu 1",
  "apps:checks-set APP --path /h",
  "apps:builder-set APP auto",
  "apps:branch-set APP dev",
  "apps:destroy APP --confirm APP",
];

type Who = "admin" | "developer";
const ROWS = VERBS.flatMap((verb) =>
  (["admin", "developer"] as Who[]).flatMap((who) =>
    (["own", "other"] as const).map((target) => {
      const allowed = who === "admin" || (target === "own" && !verb.startsWith("apps:destroy"));
      return [`${who} ${target.padEnd(5)} ${verb}`, verb, who, target, allowed] as const;
    }),
  ),
);

async function attempt(verb: string, who: Who, target: "own" | "other") {
  const env = fakeServices();
  for (const app of ["mine", "theirs"]) {
    await env.apps.create(app, "admin");
    await env.config.update(app, () => ({ A: "1" }));
    await env.apps.update(app, (s) => ({ ...s, domains: ["d.example.com".replace("d.", `d${app}.`)], volumes: [{ name: "data", mountPath: "/data", size: "1Gi" }] }));
    await env.releases.deploy({ app, image: "i", gitSha: "a", processes: { web: "w" }, author: "a", description: "d" }, { line: () => undefined });
  }
  env.access.grant("dana", "mine");
  const principal: Principal = who === "admin" ? admin : dev;
  const line = verb.replaceAll("APP", target === "own" ? "mine" : "theirs");
  const [name = "", ...args] = splitCommandLine(line);
  const before = env.snapshot();
  const outcome = await invokeCommand(name, args, principal, captureIO(), env.services, new AbortController().signal);
  return { outcome, changed: env.snapshot() !== before };
}

describe("authorisation table", () => {
  it.each(ROWS)("%s", async (_label, verb, who, target, allowed) => {
    const { outcome, changed } = await attempt(verb, who, target);
    const forbidden = !outcome.ok && outcome.error instanceof ForbiddenError;
    expect(forbidden).toBe(!allowed);
    if (!allowed) expect(changed).toBe(false);
  });

  it("lets only admins create apps", async () => {
    const env = fakeServices();
    const refused = await invokeCommand("apps:create", ["new"], dev, captureIO(), env.services, new AbortController().signal);
    expect(!refused.ok && refused.error instanceof ForbiddenError).toBe(true);
    const ok = await invokeCommand("apps:create", ["new"], admin, captureIO(), env.services, new AbortController().signal);
    expect(ok.ok).toBe(true);
  });
});
