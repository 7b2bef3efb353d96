import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "@qs/core";
import { tempDir } from "../../../test/support/tmp.ts";
import { createHookServer, type HookHandler, type HookServer } from "./hook-server.ts";

/** Sends one request line and collects the answer until the server closes. */
function ask(socketPath: string, request: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (d: string) => (answer += d));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}

describe("createHookServer", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: HookServer;
  const calls: string[] = [];
  const handle: HookHandler = (session, updates, _q, out) => {
    calls.push(`${session.app}:${updates.map((u) => u.ref).join(",")}`);
    out.line("two\nlines");
    return Promise.resolve(true);
  };
  beforeEach(async () => {
    dir = await tempDir();
    calls.length = 0;
    server = await createHookServer({
      socketPath: join(dir.path, "run", "hook.sock"),
      logger: silentLogger,
      handle,
    });
  });
  afterEach(async () => {
    await server.close(0);
    await dir.remove();
  });

  it("runs the handler for a known session with the boot secret and streams its lines", async () => {
    const session = server.open({
      app: "shop",
      principal: { user: "ann", role: "admin" },
      repoDir: dir.path,
      signal: new AbortController().signal,
    });
    const answer = await ask(server.socketPath, {
      secret: session.env.QUICKSTACK_HOOK_SECRET,
      pushId: session.id,
      updates: [{ oldSha: "0".repeat(40), newSha: "a".repeat(40), ref: "refs/heads/main" }],
    });
    expect(answer).toBe("o two\no lines\nx 0\n");
    expect(calls).toEqual(["shop:refs/heads/main"]);
    expect(session.env.QUICKSTACK_HOOK_SOCKET).toBe(server.socketPath);
    session.close();
  });

  it("refuses a wrong secret or an unknown push without calling the handler", async () => {
    const session = server.open({
      app: "shop",
      principal: { user: "ann", role: "admin" },
      repoDir: dir.path,
      signal: new AbortController().signal,
    });
    const wrong = await ask(server.socketPath, {
      secret: "x".repeat(64),
      pushId: session.id,
      updates: [],
    });
    expect(wrong).toMatch(/not known to QuickStack[\s\S]*x 1\n$/);
    const unknown = await ask(server.socketPath, {
      secret: session.env.QUICKSTACK_HOOK_SECRET,
      pushId: "nope",
      updates: [],
    });
    expect(unknown).toMatch(/x 1\n$/);
    session.close();
    const closed = await ask(server.socketPath, {
      secret: session.env.QUICKSTACK_HOOK_SECRET,
      pushId: session.id,
      updates: [],
    });
    expect(closed).toMatch(/x 1\n$/);
    expect(calls).toEqual([]);
  });
});
