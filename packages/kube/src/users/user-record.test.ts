import { describe, expect, it } from "vitest";
import { ValidationError } from "@qs/core";
import { appendCapped, parseEntries } from "./audit-log.ts";
import { buildUserSecret, newUserRecord, parseUserName, parseUserSecret, toUser } from "./user-record.ts";

describe("user records", () => {
  it("round-trips through a labelled Secret and hides secrets in the public view", () => {
    const record = {
      ...newUserRecord("developer", new Date("2026-01-02T03:04:05Z")),
      apps: ["shop", "blog"],
      tokens: [{ name: "ci", sha256: "ab".repeat(32), createdAt: "2026-01-02T03:04:05Z" }],
      passwordHash: "scrypt$x$y",
      totp: { secret: "JBSWY3DPEHPK3PXP", recoveryCodeHashes: ["cd".repeat(32)] },
    };
    const secret = buildUserSecret("qs-system", "alice", record, "7");
    expect(secret.metadata?.name).toBe("qs-user-alice");
    expect(secret.metadata?.labels?.["quickstack.dev/kind"]).toBe("user");
    expect(secret.metadata?.labels?.["quickstack.dev/role"]).toBe("developer");
    const back = parseUserSecret(secret);
    expect(back).toEqual({ user: "alice", record, version: "7" });
    const user = toUser("alice", record);
    expect(user).toMatchObject({ name: "alice", apps: ["blog", "shop"], hasPassword: true, totpEnabled: true });
    expect(JSON.stringify(user)).not.toMatch(/scrypt|JBSWY|abab|cdcd/);
  });

  it("ignores Secrets that are not user records", () => {
    expect(parseUserSecret({ metadata: { labels: { "quickstack.dev/user": "x" } }, data: { "user.json": "bm9wZQ==" } })).toBeUndefined();
    expect(parseUserSecret({ metadata: {} })).toBeUndefined();
  });

  it.each(["", "Alice", "-a", "a-", "a_b", "a".repeat(33), "a b", "../x"])("refuses user name %j", (name) => {
    expect(() => parseUserName(name)).toThrow(ValidationError);
  });
  it.each(["a", "alice", "dev-1", "a".repeat(32)])("accepts user name %j", (name) => {
    expect(parseUserName(name)).toBe(name);
  });
});

describe("audit capping", () => {
  const entry = (i: number) => ({ at: `2026-11-01T00:00:${String(i).padStart(2, "0")}Z`, user: "u", command: "apps:create", args: [`a${i}`], exitCode: 0 });
  it("keeps at most N entries, dropping the oldest", () => {
    let text = "";
    for (let i = 0; i < 10; i++) text = appendCapped(text, entry(i), 4, 1_000_000);
    expect(parseEntries(text).map((e) => e.args[0])).toEqual(["a6", "a7", "a8", "a9"]);
  });
  it("keeps under the byte cap", () => {
    let text = "";
    for (let i = 0; i < 50; i++) text = appendCapped(text, entry(i), 1000, 500);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(500);
    expect(parseEntries(text).at(-1)?.args[0]).toBe("a49");
  });
  it("skips broken lines", () => {
    expect(parseEntries(`{"at":"x","user":"u","command":"c","args":[],"exitCode":0}\n{broken\n`)).toHaveLength(1);
  });
});
