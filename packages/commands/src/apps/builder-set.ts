import { UsageError, ValidationError, parseRepoPath, type BuilderSettings } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP [auto|dockerfile] [--engine kaniko|buildkit|default] [--dockerfile PATH]";

/** `apps:builder-set`: how images are built (stack detection or a Dockerfile, which engine). */
export const appsBuilderSet: Command = {
  name: "apps:builder-set",
  aliases: ["builder:set"],
  summary: "Choose how the app is built",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/builder",
    body: {
      mode: { type: "string", description: "auto or dockerfile" },
      engine: { type: "string", description: "kaniko, buildkit or default" },
      dockerfile: { type: "string", description: "Dockerfile path in the repo" },
    },
    toArgs: (i) => {
      const mode = optionalString(i, "mode");
      return argv(mode === undefined ? [appParam(i)] : [appParam(i), mode], [
        ...flag("engine", optionalString(i, "engine")),
        ...flag("dockerfile", optionalString(i, "dockerfile")),
      ]);
    },
  },
  async run(ctx) {
    const u = `apps:builder-set ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        engine: { type: "string", description: "kaniko, buildkit, or default (the server's)" },
        dockerfile: { type: "string", description: "Path of the Dockerfile in the repo" },
      },
      { usage: u, min: 1, max: 2 },
    );
    const app = await existingApp(ctx, positionals[0], u);
    const mode = positionals[1];
    if (mode === undefined && flags.engine === undefined && flags.dockerfile === undefined) {
      throw new UsageError("nothing to set", { hint: `usage: ${u}` });
    }
    if (mode !== undefined && mode !== "auto" && mode !== "dockerfile") {
      throw new ValidationError("INVALID_BUILDER", `builder mode ${JSON.stringify(mode.slice(0, 40))} is not auto or dockerfile`);
    }
    const engine = flags.engine;
    if (engine !== undefined && !["kaniko", "buildkit", "default"].includes(engine)) {
      throw new ValidationError("INVALID_BUILDER", `engine ${JSON.stringify(engine.slice(0, 40))} is not kaniko, buildkit or default`);
    }
    const dockerfile = flags.dockerfile === undefined ? undefined : parseRepoPath(flags.dockerfile);
    const updated = await ctx.services.apps.update(app, (spec) => {
      const { engine: oldEngine, dockerfile: oldDockerfile, mode: oldMode } = spec.builder;
      const nextEngine = engine === undefined ? oldEngine : engine === "default" ? undefined : (engine as "kaniko" | "buildkit");
      const nextDockerfile = dockerfile ?? oldDockerfile;
      const builder: BuilderSettings = {
        mode: mode ?? oldMode,
        ...(nextEngine === undefined ? {} : { engine: nextEngine }),
        ...(nextDockerfile === undefined ? {} : { dockerfile: nextDockerfile }),
      };
      return { ...spec, builder };
    });
    const b = updated.spec.builder;
    return {
      json: { app, builder: b },
      text: `Builder of ${app}: ${b.mode}, engine ${b.engine ?? "default"}, Dockerfile ${b.dockerfile ?? "Dockerfile"} (applies at the next push)`,
    };
  },
};
