import { NotFoundError, parseVolumeName } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp, requireConfirm } from "../guard.ts";

const usage = "APP NAME --confirm APP";

/** `apps:volumes-remove APP NAME --confirm APP`: unmounts and deletes the PVC and its data. */
export const appsVolumesRemove: Command = {
  name: "apps:volumes-remove",
  aliases: ["volumes:remove"],
  summary: "Remove a volume and delete its data",
  usage,
  mutating: true,
  api: {
    method: "delete",
    path: "/apps/{app}/volumes/{name}",
    query: { confirm: { type: "string", description: "The app's name again", required: true } },
    toArgs: (i) => argv([appParam(i), i.params.name ?? ""], flag("confirm", i.query.confirm)),
  },
  async run(ctx) {
    const u = `apps:volumes-remove ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      { confirm: { type: "string", description: "The app's name again" } },
      { usage: u, min: 2, max: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const name = parseVolumeName(positionals[1] ?? "");
    requireConfirm(app, flags.confirm, `removing volume ${name} and its data`);
    await ctx.services.apps.update(app, (spec) => {
      if (!spec.volumes.some((v) => v.name === name)) {
        throw new NotFoundError("VOLUME_NOT_FOUND", `${app} has no volume named ${name}`, {
          hint: `list them with: ssh qs apps:volumes ${app}`,
        });
      }
      return { ...spec, volumes: spec.volumes.filter((v) => v.name !== name) };
    });
    return { json: { app, volume: name }, text: `Removed volume ${name} from ${app}` };
  },
};
