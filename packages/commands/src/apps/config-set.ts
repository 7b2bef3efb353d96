import {
  LimitExceededError,
  MAX_ENV_VALUE_BYTES,
  UsageError,
  ValidationError,
  checkConfigSize,
  parseEnvAssignment,
  parseEnvValue,
} from "@qs/core";
import type { Command, CommandContext } from "../command.ts";
import { appParam, argv, bodyBoolean, bodyStringMap } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { lineSink, maskValue } from "../output.ts";
import { readAll } from "../users/support.ts";
import { restartAfterConfig } from "./restart-after-config.ts";

const usage = "APP KEY=VALUE… [KEY=- < file] [--no-restart]";

/**
 * `apps:config-set APP K=V…`: sets vars (all validated before any change) and makes a
 * release. Over SSH `K=-` takes the value from stdin, for certificates and keys too long
 * or too multi-line for a command line.
 */
export const appsConfigSet: Command = {
  name: "apps:config-set",
  aliases: ["config:set"],
  summary: "Set config vars and restart the app with them (KEY=- reads one value from stdin)",
  usage,
  mutating: true,
  api: {
    method: "patch",
    path: "/apps/{app}/config",
    body: {
      vars: { type: "object", description: "KEY → value", required: true },
      noRestart: { type: "boolean", description: "Apply at the next release instead of now" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i), ...Object.entries(bodyStringMap(i, "vars")).map(([k, v]) => `${k}=${v}`)],
        bodyBoolean(i, "noRestart") ? ["--no-restart"] : [],
      ),
  },
  async run(ctx) {
    const u = `apps:config-set ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      { "no-restart": { type: "boolean", description: "Do not make a release now" } },
      { usage: u, min: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const changes = new Map<string, string>();
    let fromStdin: string | undefined;
    for (const arg of positionals.slice(1)) {
      const { key, value } = parseEnvAssignment(arg);
      // Through the API a "-" is just a value: there is no stdin there.
      if (value === "-" && ctx.via !== "api") {
        if (fromStdin !== undefined) {
          throw new UsageError(`only one KEY=- per command: stdin holds one value (${fromStdin} already reads it)`, {
            hint: `set ${key} in a second apps:config-set`,
          });
        }
        fromStdin = key;
      }
      changes.set(key, value);
    }
    if (fromStdin !== undefined) changes.set(fromStdin, await readValue(ctx, app, fromStdin));
    // One read-modify-write: concurrent sets of other keys are retried on 409, not lost.
    await ctx.services.config.update(app, (vars) => {
      const next = { ...vars, ...Object.fromEntries(changes) };
      checkConfigSize(next);
      return next;
    });
    const keys = [...changes.keys()];
    const width = Math.max(...keys.map((k) => k.length));
    const lines = [
      `Set ${keys.join(", ")} on ${app}`,
      ...keys.map((k) => `  ${k.padEnd(width)}  ${maskValue(changes.get(k) ?? "")}`),
    ];
    if (!ctx.json) lineSink(ctx.io.stdout).line(lines.join("\n"));
    const release = await restartAfterConfig(ctx, app, `Set ${keys.join(", ")}`, !flags["no-restart"]);
    return {
      json: { app, keys, release: release.number ?? null, restarted: release.number !== undefined },
      text: release.text,
    };
  },
};

/**
 * The value of `KEY=-` from stdin, as sent except one trailing line end (what `echo` and
 * most editors add), validated like a value on the command line.
 */
async function readValue(ctx: CommandContext, app: string, key: string): Promise<string> {
  if (ctx.io.tty !== undefined) {
    // In a raw terminal Ctrl-D is just a byte: the read would never end.
    throw new UsageError(`${key}=- reads the value from stdin, which is a terminal here`, {
      hint: `pipe it in without -t: ssh qs apps:config-set ${app} ${key}=- < file`,
    });
  }
  const tooLarge = new LimitExceededError(
    "CONFIG_VALUE_TOO_LARGE",
    `value of ${key} on stdin is over ${MAX_ENV_VALUE_BYTES} bytes; the limit is ${MAX_ENV_VALUE_BYTES} (32 KiB)`,
    { hint: "store large files in a volume or object storage and put their location in config" },
  );
  // Room for the line end that is dropped; anything more is over the limit.
  const text = await readAll(ctx.io.stdin, MAX_ENV_VALUE_BYTES + 2, ctx.signal).catch((err: unknown) => {
    throw err instanceof LimitExceededError ? tooLarge : err;
  });
  ctx.signal.throwIfAborted();
  const value = text.replace(/\r?\n$/, "");
  if (value === "") {
    throw new ValidationError("INVALID_CONFIG_VALUE", `no value for ${key} on stdin`, {
      hint: `pipe it in: ssh qs apps:config-set ${app} ${key}=- < file (to set it empty: ${key}=)`,
    });
  }
  if (Buffer.byteLength(value) > MAX_ENV_VALUE_BYTES) throw tooLarge;
  return parseEnvValue(key, value);
}
