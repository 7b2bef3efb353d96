import type { ExecChannel, Principal } from "@qs/core";
import type { CommandIO, CommandServices } from "./command.ts";
import { runCommandLine } from "./dispatch.ts";
import type { Registry } from "./registry.ts";

/**
 * The SSH face: runs every exec request that is not git as a command line and sends its
 * exit code. A client that goes away aborts the command's signal.
 */
export function createCommandExecHandler(
  services: CommandServices,
  options: { registry?: Registry } = {},
): (principal: Principal, command: string, channel: ExecChannel) => Promise<void> {
  return async (principal, command, channel) => {
    const controller = new AbortController();
    channel.onClose(() => controller.abort());
    const pty = channel.pty;
    const io: CommandIO = {
      stdin: channel.stdin,
      stdout: channel.stdout,
      stderr: channel.stderr,
      ...(pty === undefined ? {} : { tty: { ...pty, onResize: (l) => channel.onResize(l) } }),
    };
    const code = await runCommandLine(command, principal, io, services, controller.signal, {
      ...options,
      via: "ssh",
    });
    channel.exit(code);
  };
}
