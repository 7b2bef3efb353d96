import { beforeAll, describe, expect, it } from "vitest";
import { admin, captureIO, fakeServices } from "../../../test/support/fakes/index.ts";
import { runCommandLine } from "./dispatch.ts";
import { BAD_INPUTS } from "../../../test/support/fakes/bad-inputs.ts";

// The bad-input table: each line is refused with a clear message and exit code, and the
// state of every port is byte-for-byte the same afterwards. The SSH e2e suite replays a
// sample of it over a real OpenSSH client against the API double.
describe("bad-input table", () => {
  let env: ReturnType<typeof fakeServices>;
  let before: string;

  beforeAll(async () => {
    env = fakeServices();
    const ok = async (line: string) => {
      const io = captureIO();
      const code = await runCommandLine(line, admin, io, env.services, new AbortController().signal);
      if (code !== 0) throw new Error(`${line}: ${io.err()}`);
    };
    await ok("apps:create shop");
    await env.releases.deploy(
      { app: "shop", image: "r/shop@sha256:1", gitSha: "a".repeat(40), processes: { web: "w", worker: "k" }, author: "admin", description: "Deploy" },
      { line: () => undefined },
    );
    await ok("apps:config-set shop A=1");
    await ok("apps:domains-add shop www.shop.example");
    await ok("apps:volumes-add shop data /data");
    await ok("apps:scale shop web=1 worker=1");
    before = env.snapshot();
  });

  it("has at least 100 cases", () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(100);
  });

  const cases = BAD_INPUTS.map(([line, code, message]) => [line.length > 80 ? `${line.slice(0, 80)}…` : line, line, code, message] as const);
  it.each(cases)("%s", async (_label, line, code, message) => {
    const io = captureIO();
    const exit = await runCommandLine(line, admin, io, env.services, new AbortController().signal);
    expect(io.err()).toMatch(message);
    // --json asks for machine-readable errors; everything else gets "error: …" and a hint.
    expect(io.err()).toMatch(line.includes("--json") ? /^\{"error":\{"code":"USAGE"/ : /^error: /);
    expect(io.out()).toBe("");
    expect(exit).toBe(code);
    expect(env.snapshot()).toBe(before);
  });
});
