import type { Readable, Writable } from "node:stream";
import type { ApiStatus, Query, RestClient } from "./client.ts";
import { KubeApiError, withQuery } from "./client.ts";

// Kubernetes remotecommand over WebSocket (pods/exec and pods/attach): every binary frame
// starts with a channel byte. v5 adds channel 255 to close one direction (stdin EOF);
// v4 is what servers before 1.30 speak.
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;
const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

/** The caller's side of a session. Output streams are written to, never ended. */
export interface RemoteCommandIO {
  readonly stdin: Readable | null;
  readonly stdout: Writable;
  /** Separate stderr; null sends it to stdout (a TTY has one stream). */
  readonly stderr: Writable | null;
  readonly tty: boolean;
}

/** An open exec or attach session. */
export interface RemoteCommand {
  /** Sends the terminal size (channel 4) while the session is open. */
  resize(cols: number, rows: number): void;
  /** Ends the session from this side. */
  close(): void;
  /** Resolves when the session ends, with the Status the server sent on channel 3 (if any). */
  readonly done: Promise<ApiStatus | undefined>;
}

/**
 * Opens `path` (…/pods/NAME/exec or …/attach) as a remotecommand session. The WebSocket
 * client is loaded on first use: most control-plane processes never open a session.
 */
export async function openRemoteCommand(rest: RestClient, path: string, query: Query, io: RemoteCommandIO): Promise<RemoteCommand> {
  const { WebSocket } = await import("ws");
  const { connection } = rest;
  const base = new URL(connection.server);
  const url = `${base.protocol === "https:" ? "wss:" : "ws:"}//${base.host}${base.pathname.replace(/\/+$/, "")}${withQuery(path, query)}`;
  const auth = await rest.authorization();
  const ws = new WebSocket(url, PROTOCOLS, {
    ...(auth === undefined ? {} : { headers: { Authorization: auth } }),
    ...(connection.tls.ca === undefined ? {} : { ca: connection.tls.ca }),
    ...(connection.tls.cert === undefined ? {} : { cert: connection.tls.cert }),
    ...(connection.tls.key === undefined ? {} : { key: connection.tls.key }),
    ...(connection.tls.serverName === undefined ? {} : { servername: connection.tls.serverName }),
    rejectUnauthorized: !connection.tls.insecure,
  });

  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (req, res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: ApiStatus | undefined;
        try {
          body = JSON.parse(text) as ApiStatus;
        } catch {
          body = undefined;
        }
        reject(new KubeApiError("GET", path, res.statusCode ?? 0, body, body === undefined ? text : ""));
        // With this listener ws leaves the refused request to us: free its socket.
        req.destroy();
      });
    });
  });

  const v5 = ws.protocol === "v5.channel.k8s.io";
  let status: ApiStatus | undefined;
  ws.on("message", (data: Buffer) => {
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === STDOUT) io.stdout.write(payload);
    else if (channel === STDERR) (io.stderr ?? io.stdout).write(payload);
    else if (channel === STATUS) {
      try {
        status = JSON.parse(payload.toString("utf8")) as ApiStatus;
      } catch {
        status = { status: "Failure", message: payload.toString("utf8") };
      }
    }
  });
  const done = new Promise<ApiStatus | undefined>((resolve) => {
    ws.on("close", () => resolve(status));
    ws.on("error", () => undefined);
  });

  const send = (frame: Buffer): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  };
  if (io.stdin !== null) {
    const stdin = io.stdin;
    const onData = (chunk: Buffer | string): void => send(Buffer.concat([Buffer.from([STDIN]), Buffer.from(chunk)]));
    // v5 closes stdin alone, so the command sees EOF and can still answer; under v4 the
    // only way is to end the session, which is right for a terminal and nothing else.
    const onEnd = (): void => {
      if (v5) send(Buffer.from([CLOSE, STDIN]));
      else if (io.tty) ws.close();
    };
    stdin.on("data", onData);
    stdin.once("end", onEnd);
    void done.then(() => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
    });
  }

  return {
    resize(cols, rows) {
      // TerminalSize has no json tags, so the keys are capitalised (as kubectl sends them).
      if (cols > 0 && rows > 0) send(Buffer.concat([Buffer.from([RESIZE]), Buffer.from(JSON.stringify({ Width: cols, Height: rows }))]));
    },
    close: () => ws.close(),
    done,
  };
}
