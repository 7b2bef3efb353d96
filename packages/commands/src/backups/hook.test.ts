import { describe, expect, it } from "vitest";
import type { BackupHookSpec, BackupService, QsError } from "@qs/core";
import { admin, captureIO, fakeServices } from "../../../../test/support/fakes/index.ts";
import { runCommandLine } from "../dispatch.ts";
import { parseHookPath, parseHookTimeout } from "./parse-hook.ts";

// backups:hook (issue 18): the app declares the path every backup run calls first. Bad input
// is refused before the service is called; the hook shows in backups APP and apps:info.
const never = new AbortController().signal;

const thrown = (f: () => unknown): QsError | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return err as QsError;
  }
};

describe("hook arguments", () => {
  it("takes absolute URL paths with a query", () => {
    for (const ok of ["/", "/internal/pre-backup", "/hooks/backup?mode=flush&wait=1", "/a%20b", "/~x/(y):z@w"]) expect(parseHookPath(ok)).toBe(ok);
  });
  it("refuses relative paths, spaces, control characters and what a URL path cannot hold, saying why", () => {
    expect(thrown(() => parseHookPath("internal/pre-backup"))?.message).toContain("must start with /");
    expect(thrown(() => parseHookPath("/a b"))?.message).toContain("space or control character");
    expect(thrown(() => parseHookPath("/a\tb"))?.message).toContain("space or control character");
    expect(thrown(() => parseHookPath("/a\nb"))?.message).toContain("space or control character");
    expect(thrown(() => parseHookPath("/a\u0000"))?.message).toContain("space or control character");
    for (const bad of ['/a"b', "/a`id`", "/a\\b", "/a#frag", "/<x>", "/é", "/a|b"]) {
      const err = thrown(() => parseHookPath(bad));
      expect(err?.code, bad).toBe("INVALID_HOOK_PATH");
      expect(err?.hint).toContain("nothing was changed");
    }
    expect(thrown(() => parseHookPath(`/${"a".repeat(1024)}`))?.message).toContain("longer than 1024");
  });
  it("takes a timeout of 1 s to 10 min as 90, 90s or 2m; 60 s by default", () => {
    expect(parseHookTimeout(undefined)).toBe(60);
    expect(parseHookTimeout("90")).toBe(90);
    expect(parseHookTimeout("45s")).toBe(45);
    expect(parseHookTimeout("2m")).toBe(120);
    expect(parseHookTimeout("10m")).toBe(600);
    for (const bad of ["0", "0s", "601", "11m", "-5", "1.5s", "1h", "", "soon"]) expect(thrown(() => parseHookTimeout(bad))?.code, bad).toBe("INVALID_HOOK_TIMEOUT");
  });
});

async function withBackups(): Promise<{ calls: (BackupHookSpec | undefined)[]; run: (line: string) => Promise<{ out: string; err: string; code: number }> }> {
  const calls: (BackupHookSpec | undefined)[] = [];
  const { services } = fakeServices({
    backups: {
      // What the real service does to the spec, so show, backups APP and apps:info read it back.
      setHook: async (app: string, hook: BackupHookSpec | undefined) => {
        calls.push(hook);
        await services.apps.update(app, (spec) => {
          const { backupHook: _old, ...rest } = spec;
          return hook === undefined ? rest : { ...rest, backupHook: hook };
        });
        return { scheduleUpdated: true };
      },
      list: () => Promise.resolve([]),
      health: () => Promise.resolve({ status: "none", finding: "no backups yet" }),
    } as unknown as BackupService,
  });
  await services.apps.create("shop", "admin");
  return {
    calls,
    run: async (line) => {
      const io = captureIO();
      const code = await runCommandLine(line, admin, io, services, never);
      return { out: io.out(), err: io.err(), code };
    },
  };
}

describe("backups:hook", () => {
  it("declares the hook, says what each run will do, and shows it in backups APP and apps:info", async () => {
    const b = await withBackups();
    const set = await b.run("backups:hook shop /internal/pre-backup --timeout 2m");
    expect(set.code).toBe(0);
    expect(set.out).toContain("shop's backups now first call GET /internal/pre-backup on the web Service (timeout 120 s) and go on only after a 2xx");
    expect(set.out).toContain("the schedule was updated");
    expect(b.calls).toEqual([{ path: "/internal/pre-backup", timeoutSeconds: 120 }]);
    expect((await b.run("backups:hook shop")).out).toContain("shop's backups first call GET /internal/pre-backup on the web Service (timeout 120 s)");
    expect((await b.run("backups shop")).out).toMatch(/^pre-backup hook: GET \/internal\/pre-backup on the web Service \(timeout 120 s\)$/m);
    expect((await b.run("apps:info shop")).out).toMatch(/^backup hook: +GET \/internal\/pre-backup on the web Service \(timeout 120 s\)$/m);
    const json = JSON.parse((await b.run("backups:hook shop --json")).out) as { hook: BackupHookSpec };
    expect(json.hook).toEqual({ path: "/internal/pre-backup", timeoutSeconds: 120 });
  });

  it("defaults to 60 s, and --off removes it", async () => {
    const b = await withBackups();
    await b.run("backups:hook shop /pre");
    const off = await b.run("backups:hook shop --off");
    expect(off.out).toContain("no longer call a pre-backup hook");
    expect(b.calls).toEqual([{ path: "/pre", timeoutSeconds: 60 }, undefined]);
    expect((await b.run("backups:hook shop")).out).toContain("shop declares no pre-backup hook");
    expect((await b.run("apps:info shop")).out).not.toContain("backup hook");
  });

  it("refuses bad input with a clear error and changes nothing", async () => {
    const b = await withBackups();
    await b.run("backups:hook shop /pre --timeout 30s");
    for (const [line, says] of [
      ["backups:hook shop internal/pre", "must start with /"],
      ['backups:hook shop "/pre backup"', "space or control character"],
      ["backups:hook shop /pre --timeout 0", "--timeout 0 is not a time from 1s to 10m"],
      ["backups:hook shop /pre --timeout 1h", "is not a time"],
      ["backups:hook shop /pre --off", "--off takes no PATH or --timeout"],
      ["backups:hook shop --timeout 30s", "--timeout needs a PATH"],
      ["backups:hook nope /pre", "nope"],
    ] as const) {
      const r = await b.run(line);
      expect(r.code, line).not.toBe(0);
      expect(r.err, line).toContain(says);
    }
    expect(b.calls).toEqual([{ path: "/pre", timeoutSeconds: 30 }]);
    expect((await b.run("backups:hook shop")).out).toContain("GET /pre on the web Service (timeout 30 s)");
  });
});
