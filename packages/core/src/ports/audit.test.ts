import { describe, expect, it } from "vitest";
import { auditArgs } from "./audit.ts";

describe("auditArgs", () => {
  it("keeps only keys of config-set", () => {
    expect(auditArgs("apps:config-set", ["shop", "DATABASE_URL=postgres://u:secret@h/db", "A=1", "--no-restart"])).toEqual([
      "shop",
      "DATABASE_URL",
      "A",
      "--no-restart",
    ]);
    expect(auditArgs("config:set", ["shop", "K=V"])).toEqual(["shop", "K"]);
  });
  it("keeps scale arguments and masks tokens anywhere", () => {
    expect(auditArgs("apps:scale", ["shop", "web=3"])).toEqual(["shop", "web=3"]);
    expect(auditArgs("tokens:revoke", ["qst_abcDEF123_-x"])).toEqual(["[token]"]);
  });
  it("stores control characters escaped, so a rejected argument cannot fake an entry", () => {
    const fake = "X\n2025-01-01 00:00:00  admin  apps:destroy shop  ok";
    expect(auditArgs("apps:config-set", ["shop", fake])).toEqual(["shop", "X\\n2025-01-01 00:00:00  admin  apps:destroy shop  ok"]);
    expect(auditArgs("apps:domains-add", ["shop", "a\u001b]0;owned\u0007"])).toEqual(["shop", "a\\x1b]0;owned\\x07"]);
  });
  it("masks storage keys given as flags (backups:target-set), in either form", () => {
    expect(auditArgs("backups:target-set", ["s3://b/p", "--endpoint", "http://s3", "--access-key", "AKIA1", "--secret-key=s3cr3t"])).toEqual([
      "s3://b/p",
      "--endpoint",
      "http://s3",
      "--access-key",
      "[secret]",
      "--secret-key=[secret]",
    ]);
  });
});
