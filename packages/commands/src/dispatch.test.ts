import { describe, expect, it } from "vitest";
import { admin, captureIO, fakeServices } from "../../../test/support/fakes/index.ts";
import type { Command } from "./command.ts";
import { registryOf } from "./commands.ts";
import { runCommandLine } from "./dispatch.ts";

const echo: Command = {
  name: "test:echo",
  summary: "echo",
  usage: "ARGS…",
  mutating: false,
  run: (ctx) => Promise.resolve({ json: { args: ctx.args, json: ctx.json }, text: ctx.args.join("|") }),
};
const remote: Command = { ...echo, name: "apps:run", passthrough: true };
const boom: Command = { ...echo, name: "test:boom", mutating: true, run: () => Promise.reject(new Error("secret db password")) };
const registry = registryOf([echo, remote, boom]);

async function run(line: string, services = fakeServices().services) {
  const io = captureIO();
  const code = await runCommandLine(line, admin, io, services, new AbortController().signal, { registry });
  return { code, out: io.out(), err: io.err() };
}

describe("runCommandLine", () => {
  it("passes quoted words through and takes --json anywhere before --", async () => {
    expect(await run(`test:echo 'a b' "c" d\\ e`)).toEqual({ code: 0, out: "a b|c|d e\n", err: "" });
    expect(JSON.parse((await run("test:echo a --json b")).out)).toEqual({ args: ["a", "b"], json: true });
    expect((await run("test:echo a -- --json")).out).toBe("a|--|--json\n");
  });

  it("leaves a passthrough verb's remote command line alone", async () => {
    expect((await run("apps:run shop ls -h --json")).out).toBe("shop|ls|-h|--json\n");
    expect(JSON.parse((await run("apps:run --json shop ls")).out)).toEqual({ args: ["shop", "ls"], json: true });
  });

  it("answers --help and an empty line with help", async () => {
    expect((await run("test:echo --help")).out).toContain("Usage: ssh qs test:echo ARGS…");
    expect((await run("")).out).toContain("test:echo");
  });

  it("hides internal errors, logs them, and still audits the attempt", async () => {
    const logged: unknown[] = [];
    const env = fakeServices({
      logger: { error: (o: unknown) => logged.push(o) } as never,
    });
    const res = await run("test:boom x", env.services);
    expect(res).toEqual({ code: 1, out: "", err: "error: internal error (see the control plane log)\n" });
    expect(logged).toHaveLength(1);
    expect(env.audit.entries).toMatchObject([{ command: "test:boom", exitCode: 1, error: "INTERNAL" }]);
  });

  it("keeps the exit code when the audit log fails", async () => {
    const env = fakeServices();
    env.audit.record = () => Promise.reject(new Error("down"));
    const errors: unknown[] = [];
    const services = { ...env.services, logger: { error: (o: unknown) => errors.push(o) } as never };
    expect((await run("test:boom", services)).code).toBe(1);
    expect(errors).toHaveLength(2);
  });

  it("writes JSON errors for --json", async () => {
    const res = await run("test:nope --json");
    expect(res.code).toBe(2);
    expect(JSON.parse(res.err)).toMatchObject({ error: { code: "USAGE", message: 'unknown command "test:nope"' } });
  });
});

describe("runCommandLine with a terminal", () => {
  it("writes \\r\\n line ends for ssh -t, except for passthrough verbs", async () => {
    const io = captureIO();
    const tty = { cols: 80, rows: 24, term: "xterm", onResize: () => undefined };
    await runCommandLine("test:echo a b", admin, { ...io, tty }, fakeServices().services, new AbortController().signal, { registry });
    await runCommandLine("apps:run x", admin, { ...io, tty }, fakeServices().services, new AbortController().signal, { registry });
    await runCommandLine("test:nope", admin, { ...io, tty }, fakeServices().services, new AbortController().signal, { registry });
    expect(io.out()).toBe("a|b\r\nx\n");
    expect(io.err()).toMatch(/^error: unknown command "test:nope"\r\nrun: ssh qs help\r\n$/);
  });
});
