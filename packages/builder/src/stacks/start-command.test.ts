import { describe, expect, it } from "vitest";
import { hasShellOperator, startCommandOf } from "./start-command.ts";

describe("startCommandOf", () => {
  it("execs simple commands, after leading assignments", () => {
    expect(startCommandOf("node server.js")).toEqual({
      script: "exec node server.js",
      needsInit: false,
    });
    expect(startCommandOf("NODE_ENV=production node server.js").script).toBe(
      "NODE_ENV=production exec node server.js",
    );
    expect(startCommandOf(`A="x y" B='z' bin/web --port $PORT 2>&1`).script).toBe(
      `A="x y" B='z' exec bin/web --port $PORT 2>&1`,
    );
    expect(startCommandOf("exec node a.js").script).toBe("exec node a.js");
    expect(startCommandOf(`node -e "a && b; c | d" $(cat port)`).needsInit).toBe(false);
  });

  it("runs compound commands as written, under an init", () => {
    for (const command of [
      "node migrate.js && node server.js",
      "a || b",
      "a; b",
      "a | b",
      "a &",
      "(cd web && node .)",
      "if true; then node x; fi",
      "FOO=1",
      "a\nb",
    ]) {
      expect(startCommandOf(command), command).toEqual({ script: command, needsInit: true });
    }
  });

  it("reads operators outside quotes only", () => {
    expect(hasShellOperator("echo 'a;b' \"c&&d\" e\\;f")).toBe(false);
    expect(hasShellOperator("node x # a && b")).toBe(false);
    expect(hasShellOperator("echo $(a; b) && c")).toBe(true);
  });
});
