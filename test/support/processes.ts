import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

/** A child process started for tests or dev mode, stopped exactly once. */
export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Last output lines, for error messages when the service dies early. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `command`, keeps its last output lines, and stops it with SIGTERM (SIGKILL after 5 s). */
export function startService(
  name: string,
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /**
     * Its own process group, so a terminal's Ctrl-C (sent to the whole foreground group)
     * does not reach it and whoever started it stops it in order. @defaultValue false
     */
    ownProcessGroup?: boolean;
  } = {},
): Service {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.ownProcessGroup ?? false,
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 50) lines.splice(0, lines.length - 50);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("error", (err) => lines.push(`${name}: ${err.message}`));
  let stopping: Promise<void> | undefined;
  return {
    name,
    child,
    output: () => lines.join("\n"),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
