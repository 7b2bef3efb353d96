import { Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { escapeControls } from "@qs/core";
import type { CommandIO } from "./command.ts";

/**
 * Every verb's text reaches a person's terminal, and much of it is stored input (config
 * values, log lines, names): control characters are made visible on the way out, in one
 * place, so no verb can forget it. JSON stays exact (see escapeControls). Passthrough verbs
 * (apps:enter/run) are not wrapped: they are a terminal session on purpose.
 */
export function withEscapedControls(io: CommandIO): CommandIO {
  return { ...io, stdout: escaping(io.stdout), stderr: escaping(io.stderr) };
}

function escaping(target: NodeJS.WritableStream): Writable {
  // A multi-byte character may be split across chunks; decode before escaping.
  const decoder = new StringDecoder("utf8");
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
      if (target.write(escapeControls(text))) callback();
      else target.once("drain", () => callback());
    },
  });
}

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
