import { describe, expect, it } from "vitest";
import { buildFirstPushRecipe, sshConfigPointsAt } from "./recipe.ts";

// ssh uses the first value it finds for each keyword, so only the first `Host qs` block counts.

const at = { host: "127.0.0.1", sshPort: 2222 };

describe("sshConfigPointsAt", () => {
  it("reads the first Host qs block, keywords in any case", () => {
    expect(sshConfigPointsAt("Host other\n  Port 1\nhost qs\n  hostname 127.0.0.1\n  PORT 2222\n", at)).toBe(true);
  });

  it("is false for a stale first block, even when a later one is right", () => {
    const config = "Host qs\n  HostName 127.0.0.1\n  Port 1\nHost qs\n  HostName 127.0.0.1\n  Port 2222\n";
    expect(sshConfigPointsAt(config, at)).toBe(false);
  });

  it("is false without a Host qs block or for another host form", () => {
    expect(sshConfigPointsAt("", at)).toBe(false);
    expect(sshConfigPointsAt("Host qs other\n  HostName 127.0.0.1\n  Port 2222\n", at)).toBe(false);
    expect(sshConfigPointsAt("Host qs\n  HostName localhost\n  Port 2222\n", at)).toBe(false);
  });
});

describe("buildFirstPushRecipe", () => {
  const e = { host: "127.0.0.1", sshPort: 2222, httpPort: 8080 };
  const commands = (recipe: string): string[] => recipe.trim().split("\n").slice(1).map((l) => l.trim());

  it("ends with the line that asks the pushed app for its page, when there is one", () => {
    const lines = commands(buildFirstPushRecipe(e, true, 'curl -fsS "http://$(ip)/"'));
    expect(lines).toEqual(["ssh qs apps:create shop", "git remote add qs ssh://git@127.0.0.1:2222/shop.git", "git push qs main", 'curl -fsS "http://$(ip)/"']);
  });

  it("ends with the push without one (the simulated cluster runs no app)", () => {
    expect(commands(buildFirstPushRecipe(e, true)).at(-1)).toBe("git push qs main");
  });
});
