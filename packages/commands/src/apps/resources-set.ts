import { UsageError, ValidationError, parseQuantity } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { knownProcessTypes } from "./shared.ts";

const usage = "APP [-p PROCESS] [--cpu 500m] [--memory 512Mi]";

/** `apps:resources-set`: CPU and memory (request = limit) per process type, or for all. */
export const appsResourcesSet: Command = {
  name: "apps:resources-set",
  aliases: ["resources:set"],
  summary: "Set CPU and memory for a process type (or all)",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/resources",
    body: {
      process: { type: "string", description: "Process type; all when absent" },
      cpu: { type: "string", description: "Kubernetes quantity, e.g. 500m" },
      memory: { type: "string", description: "Kubernetes quantity, e.g. 512Mi" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i)],
        [
          ...flag("process", optionalString(i, "process")),
          ...flag("cpu", optionalString(i, "cpu")),
          ...flag("memory", optionalString(i, "memory")),
        ],
      ),
  },
  async run(ctx) {
    const u = `apps:resources-set ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        process: { type: "string", short: "p", description: "Process type (default: all)" },
        cpu: { type: "string", description: "CPU, e.g. 500m or 2" },
        memory: { type: "string", description: "Memory, e.g. 512Mi" },
      },
      { usage: u, min: 1, max: 1 },
    );
    const app = await loadApp(ctx, positionals[0], u);
    if (flags.cpu === undefined && flags.memory === undefined) {
      throw new UsageError("give --cpu, --memory or both", { hint: `usage: ${u}` });
    }
    const cpu = flags.cpu === undefined ? undefined : parseQuantity(flags.cpu, "cpu");
    const memory = flags.memory === undefined ? undefined : parseQuantity(flags.memory, "memory");
    const known = await knownProcessTypes(ctx, app);
    if (flags.process !== undefined && !known.includes(flags.process)) {
      throw new ValidationError("UNKNOWN_PROCESS_TYPE", `process type ${JSON.stringify(flags.process.slice(0, 40))} is not defined`, {
        hint: `known process types: ${known.join(", ")}`,
      });
    }
    const types = flags.process === undefined ? known : [flags.process];
    await ctx.services.apps.update(app.name, (spec) => {
      const processes = { ...spec.processes };
      for (const t of types) {
        const current = processes[t] ?? { replicas: t === "web" ? 1 : 0 };
        processes[t] = { ...current, ...(cpu === undefined ? {} : { cpu }), ...(memory === undefined ? {} : { memory }) };
      }
      return { ...spec, processes };
    });
    const what = [cpu === undefined ? "" : `cpu=${cpu}`, memory === undefined ? "" : `memory=${memory}`].filter(Boolean).join(" ");
    return { json: { app: app.name, processes: types, cpu: cpu ?? null, memory: memory ?? null }, text: `Set ${what} for ${types.join(", ")} of ${app.name}` };
  },
};
