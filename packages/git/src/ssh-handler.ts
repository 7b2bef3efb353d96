import {
  describeError,
  errorLine,
  errorLines,
  exitCodeOf,
  formatBytes,
  QsError,
  type ExecChannel,
  type Logger,
  type Principal,
} from "@qs/core";
import { admitGitRequest, oneLine, type AdmissionOptions } from "./admission.ts";
import type { GitCommand } from "./git-command.ts";
import type { HookServer } from "./hook-server.ts";
import { pumpCounted, spawnGitService } from "./spawn-service.ts";

/** What the SSH git handler needs. */
export interface SshGitOptions extends AdmissionOptions {
  hooks: HookServer;
  logger: Logger;
  maxPushBytes: number;
}

/**
 * Serves one `git-receive-pack` / `git-upload-pack` exec: admission first (no git process
 * for strangers), then the real git binary with its stdio piped to the SSH channel. A
 * client that goes away kills git and aborts the push's pipeline.
 */
export async function serveGitOverSsh(
  options: SshGitOptions,
  principal: Principal,
  command: GitCommand,
  channel: ExecChannel,
): Promise<void> {
  let admitted: { app: string; repoDir: string };
  try {
    admitted = await admitGitRequest(options, principal, command.repo);
  } catch (err) {
    const text = err instanceof QsError ? oneLine(err) : describeError(err);
    if (!(err instanceof QsError)) options.logger.error({ err }, "git admission failed");
    channel.stderr.write(`${errorLine(text)}\n`);
    channel.exit(exitCodeOf(err));
    return;
  }

  const gone = new AbortController();
  const session =
    command.service === "git-receive-pack"
      ? options.hooks.open({
          app: admitted.app,
          principal,
          repoDir: admitted.repoDir,
          signal: gone.signal,
        })
      : undefined;
  const child = spawnGitService({
    service: command.service,
    repoDir: admitted.repoDir,
    env: session?.env,
    maxInputSize: options.maxPushBytes,
  });
  channel.onClose(() => {
    gone.abort();
    child.kill("SIGTERM");
  });

  let tooLarge = false;
  pumpCounted(
    channel.stdin,
    child.stdin,
    command.service === "git-receive-pack" ? options.maxPushBytes : Infinity,
    () => {
      tooLarge = true;
      const lines = errorLines(
        `push refused: it is larger than this server's limit of ${formatBytes(options.maxPushBytes)}`,
        "keep large files out of git, or ask the operator to raise QS_MAX_PUSH_BYTES",
      );
      channel.stderr.write(`${lines.join("\n")}\n`);
      gone.abort();
      child.kill("SIGTERM");
    },
  );
  // The channel's streams fail when the client vanishes mid-write; git's exit ends the exec.
  channel.stdout.on("error", () => undefined);
  channel.stderr.on("error", () => undefined);
  child.stdout.pipe(channel.stdout, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });

  await new Promise<void>((resolve) => {
    child.on("error", (err) => {
      options.logger.error({ err }, "cannot start git");
      session?.close();
      channel.exit(1);
      resolve();
    });
    child.on("close", (code) => {
      session?.close();
      channel.exit(tooLarge ? 1 : (code ?? 1));
      resolve();
    });
  });
}
