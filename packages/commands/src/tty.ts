import { Writable } from "node:stream";
import type { CommandIO } from "./command.ts";

/**
 * With `ssh -t` the client's terminal is in raw mode and expects the server's pty to turn
 * "\n" into "\r\n" (termios ONLCR). Commands do not run in a pty, so their output is
 * translated here; passthrough verbs (apps:enter/run) get the container's real TTY instead.
 */
export function withTerminalNewlines(io: CommandIO): CommandIO {
  return { ...io, stdout: crlf(io.stdout), stderr: crlf(io.stderr) };
}

function crlf(target: NodeJS.WritableStream): Writable {
  let lastWasCr = false;
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
      let out = "";
      for (const ch of text) {
        if (ch === "\n" && !lastWasCr) out += "\r";
        out += ch;
        lastWasCr = ch === "\r";
      }
      if (target.write(out)) callback();
      else target.once("drain", () => callback());
    },
  });
}
