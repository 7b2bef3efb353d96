import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { table } from "../output.ts";

const usage = "APP";

/** `apps:volumes APP`. */
export const appsVolumes: Command = {
  name: "apps:volumes",
  aliases: ["volumes"],
  summary: "List an app's persistent volumes",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/volumes", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const u = `apps:volumes ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await loadApp(ctx, positionals[0], u);
    const { volumes } = app.spec;
    if (volumes.length === 0) return { json: [], text: `${app.name} has no volumes` };
    return {
      json: volumes,
      text: table(
        ["name", "path", "size", "storage class"],
        volumes.map((v) => [v.name, v.mountPath, v.size, v.storageClass ?? "default"]),
      ),
    };
  },
};
