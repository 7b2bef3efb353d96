import { describe, expect, it } from "vitest";
import { appOfRepo, parseGitCommand } from "./git-command.ts";

describe("parseGitCommand", () => {
  it("accepts the forms git and other clients send", () => {
    for (const cmd of [
      "git-receive-pack '/shop.git'",
      "git-receive-pack 'shop.git'",
      "git receive-pack 'shop.git'",
      'git-receive-pack "/shop.git/"',
      "git-receive-pack shop",
      "git-receive-pack '/shop'",
    ]) {
      expect(parseGitCommand(cmd)).toEqual({ service: "git-receive-pack", repo: "shop" });
    }
    expect(parseGitCommand("git-upload-pack '/shop.git'")).toEqual({
      service: "git-upload-pack",
      repo: "shop",
    });
  });

  it("leaves other commands to the command layer", () => {
    expect(parseGitCommand("apps:create shop")).toBeUndefined();
    expect(parseGitCommand("git-upload-archive 'shop.git'")).toBeUndefined();
    expect(parseGitCommand("git-receive-pack 'a' 'b'")).toBeUndefined();
  });

  it("never lets a path through as an app name", () => {
    for (const repo of ["../etc", "a/b", "shop/../../x", "", "Shop", ".hidden"]) {
      const parsed = parseGitCommand(`git-receive-pack '${repo}.git'`);
      expect(() => appOfRepo(parsed?.repo ?? repo)).toThrow();
    }
  });
});
