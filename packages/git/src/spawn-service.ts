import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import type { GitServiceName } from "./git-command.ts";

/** How to run one git service process. */
export interface SpawnServiceOptions {
  readonly service: GitServiceName;
  readonly repoDir: string;
  /** Smart HTTP: one request/response exchange (`--stateless-rpc`). */
  readonly statelessRpc?: boolean;
  /** Smart HTTP GET info/refs: only advertise refs. */
  readonly advertiseRefs?: boolean;
  /** Extra environment (the hook session's variables for receive-pack). */
  readonly env?: Readonly<Record<string, string>>;
  /** git's own cap on the received pack (`receive.maxInputSize`), a second line of defence. */
  readonly maxInputSize?: number;
}

/** A running git service process with piped stdio. */
export type GitProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/** Spawns the real `git receive-pack` / `git upload-pack` on a bare repo. */
export function spawnGitService(options: SpawnServiceOptions): GitProcess {
  const args: string[] = [];
  if (options.maxInputSize !== undefined && options.service === "git-receive-pack") {
    args.push("-c", `receive.maxInputSize=${options.maxInputSize.toString()}`);
  }
  args.push(options.service.slice("git-".length));
  if (options.statelessRpc === true) args.push("--stateless-rpc");
  if (options.advertiseRefs === true) args.push("--advertise-refs");
  args.push(options.repoDir);
  return spawn("git", args, {
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/**
 * Copies `source` into the process's stdin with backpressure, counting bytes; calls
 * `onLimit` once (and stops copying) when more than `limit` bytes have come in.
 */
export function pumpCounted(
  source: Readable,
  dest: Writable,
  limit: number,
  onLimit: (received: number) => void,
): void {
  let received = 0;
  let over = false;
  dest.on("error", () => undefined); // EPIPE when git exits early; its exit code tells why
  const onData = (chunk: Buffer): void => {
    if (over) return;
    received += chunk.length;
    if (received > limit) {
      over = true;
      source.off("data", onData);
      onLimit(received);
      return;
    }
    if (!dest.write(chunk)) {
      source.pause();
      dest.once("drain", () => source.resume());
    }
  };
  source.on("data", onData);
  source.once("end", () => {
    if (!over) dest.end();
  });
  // A source that fails (client gone, bad gzip) ends git's input short: git then refuses
  // the truncated request itself, and the error is not left unhandled to kill the process.
  source.on("error", () => {
    if (!over) dest.end();
    over = true;
  });
}
