import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFile, readlink } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { tmpdir } from "node:os";
import { WebSocketServer, type WebSocket } from "ws";
import type { KubeApi } from "./api.ts";
import { containerEnv } from "./env.ts";
import type { Kubelet } from "./kubelet.ts";
import type { ContainerRun } from "./pod-run.ts";
import type { User } from "./router.ts";
import { ApiError, badRequest, notFound, notFoundPath, statusBody } from "./status.ts";
import type { ResourceType } from "./types.ts";

// pods/exec and pods/attach over WebSocket with the Kubernetes channel protocol (v4/v5.channel.k8s.io):
// every binary message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 error
// (a Status JSON: Success, or Failure/NonZeroExitCode with the exit code as a cause),
// 4 resize ({"Width","Height"}); v5 adds 255 "close" ([255, 0] closes stdin).
// Simulated containers have no filesystem to run a command in, so by default exec runs
// nothing: it says so in one "simulated cluster" line and exits 126. Only with hostExec (an
// option for test harnesses; the CLI and dev mode never set it) does the command run as a
// local child process with the container's resolved environment: that is the machine's own
// shell, as the user running the double. With tty=true it runs under util-linux `script` so
// it gets a real pseudo-terminal, started at the client's first size and resized (SIGWINCH)
// on later resize messages.

/** Exit code of a refused exec: 126, the shell's "found but cannot be executed". */
export const SIMULATED_EXEC_EXIT = 126;

const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

export interface ExecOptions {
  api: KubeApi;
  kubelet: Kubelet | undefined;
  authenticate: (token: string | undefined) => User | undefined;
  authorize: (user: User, verb: string, t: ResourceType, ns: string | undefined, name: string | undefined, sub: string | undefined) => void;
  track: (end: () => void) => () => void;
  /** Run exec commands as local processes on this machine (test harnesses only). */
  hostExec: boolean;
}

function reject(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Returns the `upgrade` listener serving pods/exec. */
export function createExecUpgrade(o: ExecOptions): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  return (req, socket, head) => {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/.exec(url.pathname);
      if (!m) throw notFoundPath();
      const sub = m[3] as "exec" | "attach";
      const auth = req.headers.authorization;
      const user = o.authenticate(auth?.startsWith("Bearer ") ? auth.slice(7).trim() : undefined);
      if (!user) throw new ApiError(401, "Unauthorized", "Unauthorized");
      const ns = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      const podType = o.api.registry.builtin("Pod");
      o.authorize(user, "create", podType, ns, name, sub);
      const pod = o.api.find(podType, ns, name);
      if (!pod) throw notFound(podType, name);
      const q = url.searchParams;
      const spec = pod.spec as { containers: { name: string; workingDir?: string }[] };
      const container = q.get("container") ?? spec.containers[0]?.name ?? "";
      const run = o.kubelet?.pod(ns, name);
      const c = run?.all().find((x) => x.name === container);
      if (!spec.containers.some((x) => x.name === container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
      if (!c?.running) throw badRequest(`unable to upgrade connection: container not found ("${container}")`);
      if (sub === "attach") {
        const run = c;
        wss.handleUpgrade(req, socket, head, (ws) => serveAttach(ws, run, q.get("tty") === "true", o.track));
        return;
      }
      const command = q.getAll("command");
      if (command.length === 0) throw badRequest("you must specify at least 1 command");
      const tty = q.get("tty") === "true";
      if (!o.hostExec) {
        wss.handleUpgrade(req, socket, head, (ws) => serveSimulated(ws, command, tty, o.track));
        return;
      }
      const env = containerEnv(o.api, pod, container, run?.podIP ?? "");
      wss.handleUpgrade(req, socket, head, (ws) => {
        serve(ws, { command, env, tty: q.get("tty") === "true", stdin: q.get("stdin") === "true", v5: ws.protocol === "v5.channel.k8s.io" }, o.track);
      });
    } catch (err) {
      reject(socket, err instanceof ApiError ? err : new ApiError(500, "InternalError", (err as Error).message));
    }
  };
}

/**
 * pods/attach: the container's output from now on (no history, as on a real kubelet), and
 * its exit as the Status on channel 3. Simulated containers read no input: stdin frames are
 * accepted and dropped, resizes ignored.
 */
function serveAttach(ws: WebSocket, c: ContainerRun, tty: boolean, track: (end: () => void) => () => void): void {
  const send = (channel: number, data: string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  };
  const finish = (): void => {
      // The run ended: the kubelet sets its terminated state before closing its log.
      const exit = "terminated" in c.state ? c.state.terminated.exitCode : 0;
      send(
        3,
        JSON.stringify(
          exit === 0
            ? { metadata: {}, status: "Success" }
            : {
                metadata: {},
                status: "Failure",
                message: `command terminated with non-zero exit code: exit code ${exit}`,
                reason: "NonZeroExitCode",
                details: { causes: [{ reason: "ExitCode", message: String(exit) }] },
              },
        ),
      );
      ws.close(1000);
  };
  const stop = c.logs.follow((e) => send(tty || e.stream === "stdout" ? 1 : 2, `${e.text}${tty ? "\r\n" : "\n"}`), finish);
  const untrack = track(() => ws.terminate());
  ws.on("close", () => {
    untrack();
    stop();
  });
  if (c.logs.ended) finish();
}

/**
 * exec without hostExec: one line saying the command did not run (on stdout with a TTY, as
 * a terminal merges them, else stderr) and exit code 126. Nothing reaches the host.
 */
function serveSimulated(ws: WebSocket, command: string[], tty: boolean, track: (end: () => void) => () => void): void {
  const line = `(simulated cluster: containers are played, not run, so this command did not run: ${command.join(" ")})`;
  ws.send(Buffer.concat([Buffer.from([tty ? 1 : 2]), Buffer.from(`${line}${tty ? "\r\n" : "\n"}`)]));
  ws.send(
    Buffer.concat([
      Buffer.from([3]),
      Buffer.from(
        JSON.stringify({
          metadata: {},
          status: "Failure",
          message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${SIMULATED_EXEC_EXIT}`,
          reason: "NonZeroExitCode",
          details: { causes: [{ reason: "ExitCode", message: String(SIMULATED_EXEC_EXIT) }] },
        }),
      ),
    ]),
  );
  const untrack = track(() => ws.terminate());
  ws.on("close", untrack);
  ws.close(1000);
}

interface Session {
  command: string[];
  env: Record<string, string>;
  tty: boolean;
  stdin: boolean;
  v5: boolean;
}

/**
 * Resizes the pseudo-terminal `script` allocated for its child: the child's stdin is the pty
 * slave; setting its size (stty -F) makes the kernel send SIGWINCH to the foreground job.
 */
async function resizePty(scriptPid: number, cols: number, rows: number): Promise<void> {
  const children = (await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, "utf8")).trim().split(/\s+/).filter(Boolean);
  for (const pid of children) {
    const tty = await readlink(`/proc/${pid}/fd/0`).catch(() => "");
    if (!tty.startsWith("/dev/pts/")) continue;
    await new Promise<void>((resolve) => execFile("stty", ["-F", tty, "cols", String(cols), "rows", String(rows)], () => resolve()));
    return;
  }
}

function serve(ws: WebSocket, s: Session, track: (end: () => void) => () => void): void {
  let child: ChildProcess | undefined;
  let pendingInput: Buffer[] = [];
  let stdinClosed = false;
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([channel]), typeof data === "string" ? Buffer.from(data) : data]));
  };
  const finish = (status: Record<string, unknown>): void => {
    send(3, JSON.stringify(status));
    ws.close(1000);
  };
  const start = (cols?: number, rows?: number): void => {
    if (child) return;
    const env = { ...s.env, ...(s.tty ? { TERM: "xterm" } : {}) };
    if (s.tty) {
      const size = cols && rows ? `stty cols ${cols} rows ${rows} 2>/dev/null; ` : "";
      const line = `${size}exec ${s.command.map(shellQuote).join(" ")}`;
      child = spawn("script", ["-q", "-e", "-c", line, "/dev/null"], { env, cwd: tmpdir(), stdio: "pipe" });
    } else {
      child = spawn(s.command[0]!, s.command.slice(1), { env, cwd: tmpdir(), stdio: "pipe" });
    }
    child.stdout?.on("data", (d: Buffer) => send(1, d));
    child.stderr?.on("data", (d: Buffer) => send(s.tty ? 1 : 2, d));
    child.stdin?.on("error", () => undefined);
    child.on("error", (err: NodeJS.ErrnoException) => {
      const missing = err.code === "ENOENT";
      finish({
        ...statusBody(500, "InternalError", missing
          ? `OCI runtime exec failed: exec failed: unable to start container process: exec: "${s.command[0]}": executable file not found in $PATH: unknown`
          : `OCI runtime exec failed: ${err.message}: unknown`),
        metadata: {},
      });
      child = undefined;
    });
    child.on("close", (code, signal) => {
      const exit = code ?? (signal ? 128 + 9 : 1);
      if (exit === 0) finish({ metadata: {}, status: "Success" });
      else {
        finish({
          metadata: {},
          status: "Failure",
          message: `command terminated with non-zero exit code: error executing command [${s.command.join(" ")}], exit code ${exit}`,
          reason: "NonZeroExitCode",
          details: { causes: [{ reason: "ExitCode", message: String(exit) }] },
        });
      }
    });
    for (const b of pendingInput) child.stdin?.write(b);
    pendingInput = [];
    if (stdinClosed || !s.stdin) child.stdin?.end();
  };
  ws.on("message", (data: Buffer) => {
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === 0) {
      if (child) child.stdin?.write(payload);
      else pendingInput.push(payload);
    } else if (channel === 4) {
      try {
        // Go decodes JSON keys case-insensitively: kubectl sends Width/Height, client-node width/height.
        const raw = JSON.parse(payload.toString("utf8")) as Record<string, number | undefined>;
        const width = raw.Width ?? raw.width;
        const height = raw.Height ?? raw.height;
        if (child?.pid && s.tty && width && height) void resizePty(child.pid, width, height).catch(() => undefined);
        else start(width, height);
      } catch {
        // malformed resize: ignored, as the kubelet does
      }
    } else if (channel === 255 && s.v5 && payload[0] === 0) {
      stdinClosed = true;
      child?.stdin?.end();
    }
  });
  const untrack = track(() => ws.terminate());
  ws.on("close", () => {
    untrack();
    child?.kill("SIGKILL");
  });
  // A TTY session waits briefly for the client's first resize so the pty starts at its size.
  if (s.tty) setTimeout(() => start(), 200);
  else start();
}
