import { type AutoscaleSettings, UsageError, ValidationError } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyBoolean, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { checkTemplateScale } from "../templates/scale-limit.ts";
import { knownProcessTypes } from "./shared.ts";

const usage = "APP TYPE --min N --max N [--cpu 70%] [--memory 80%] | APP TYPE --off";
const u = `apps:autoscale ${usage}`;

/** CPU target when neither --cpu nor --memory is given (percent of the CPU request). */
export const DEFAULT_CPU_PERCENT = 80;

/** `apps:autoscale APP TYPE …`: a HorizontalPodAutoscaler owns the process type's replicas. */
export const appsAutoscale: Command = {
  name: "apps:autoscale",
  aliases: ["ps:autoscale", "autoscale"],
  summary: "Scale a process type with its CPU or memory use, between --min and --max (--off to stop)",
  usage,
  mutating: true,
  api: {
    method: "put",
    path: "/apps/{app}/autoscale/{type}",
    body: {
      min: { type: "string", description: "Fewest replicas (1 or more)" },
      max: { type: "string", description: "Most replicas" },
      cpu: { type: "string", description: 'Target CPU use, percent of the request, e.g. "70%"' },
      memory: { type: "string", description: 'Target memory use, percent of the request, e.g. "80%"' },
      off: { type: "boolean", description: "Stop autoscaling; the replica count stays as apps:scale set it" },
    },
    toArgs: (i) =>
      argv(
        [appParam(i), i.params.type ?? ""],
        [
          ...flag("min", optionalString(i, "min")),
          ...flag("max", optionalString(i, "max")),
          ...flag("cpu", optionalString(i, "cpu")),
          ...flag("memory", optionalString(i, "memory")),
          ...(bodyBoolean(i, "off") ? ["--off"] : []),
        ],
      ),
  },
  async run(ctx) {
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        min: { type: "string", description: "Fewest replicas (1 or more)" },
        max: { type: "string", description: "Most replicas" },
        cpu: { type: "string", description: "Target CPU use in percent of the request, e.g. 70%" },
        memory: { type: "string", description: "Target memory use in percent of the request, e.g. 80%" },
        off: { type: "boolean", description: "Stop autoscaling this process type" },
      },
      { usage: u, min: 2, max: 2 },
    );
    const app = await loadApp(ctx, positionals[0], u);
    const type = positionals[1] ?? "";
    const known = await knownProcessTypes(ctx, app);
    if (!known.includes(type)) {
      throw new ValidationError("UNKNOWN_PROCESS_TYPE", `process type ${JSON.stringify(type.slice(0, 40))} is not defined`, {
        hint: `known process types: ${known.join(", ")}`,
      });
    }
    if (flags.off) {
      if (flags.min !== undefined || flags.max !== undefined || flags.cpu !== undefined || flags.memory !== undefined) {
        throw new UsageError("--off takes no other flags", { hint: `usage: ${u}` });
      }
      const updated = await ctx.services.apps.update(app.name, (spec) => {
        const current = spec.processes[type];
        if (current?.autoscale === undefined) return spec;
        const { autoscale: _dropped, ...rest } = current;
        return { ...spec, processes: { ...spec.processes, [type]: rest } };
      });
      const replicas = updated.spec.processes[type]?.replicas ?? 1;
      return {
        json: { app: app.name, process: type, autoscale: null, replicas },
        text: `Autoscaling of ${type} in ${app.name} is off; it runs ${replicas} (change with: ssh qs apps:scale ${app.name} ${type}=N)`,
      };
    }
    const settings = parseAutoscale(flags, ctx.services.limits.maxScale);
    checkTemplateScale(app.name, app.spec, { [type]: settings.max }, "autoscale");
    await ctx.services.apps.update(app.name, (spec) => {
      checkTemplateScale(app.name, spec, { [type]: settings.max }, "autoscale");
      const current = spec.processes[type] ?? { replicas: settings.min };
      return { ...spec, processes: { ...spec.processes, [type]: { ...current, autoscale: settings } } };
    });
    return {
      json: { app: app.name, process: type, autoscale: settings },
      text: `Autoscaling ${type} of ${app.name}: ${describeAutoscale(settings)}`,
    };
  },
};

/** `1-5 replicas, cpu 70%, memory 80%`. */
export function describeAutoscale(a: AutoscaleSettings): string {
  const targets = [
    a.cpuPercent === undefined ? "" : `cpu ${a.cpuPercent}%`,
    a.memoryPercent === undefined ? "" : `memory ${a.memoryPercent}%`,
  ].filter(Boolean);
  return `${a.min}-${a.max} replicas, ${targets.join(", ")}`;
}

function parseAutoscale(
  flags: { min: string | undefined; max: string | undefined; cpu: string | undefined; memory: string | undefined },
  maxScale: number,
): AutoscaleSettings {
  if (flags.min === undefined || flags.max === undefined) {
    throw new UsageError("give --min and --max (or --off)", { hint: `usage: ${u}` });
  }
  const min = count(flags.min, "--min");
  const max = count(flags.max, "--max");
  // An HPA cannot scale to zero (minReplicas ≥ 1 without the HPAScaleToZero feature gate).
  if (min < 1) throw new ValidationError("INVALID_AUTOSCALE", "--min must be 1 or more", { hint: "to stop a process type use apps:scale APP TYPE=0" });
  if (max < min) throw new ValidationError("INVALID_AUTOSCALE", `--max (${max}) is below --min (${min})`, { hint: "give a --max at least as large as --min" });
  if (max > maxScale) throw new ValidationError("INVALID_AUTOSCALE", `--max ${max} is over this server's limit of ${maxScale}`, { hint: `use --max ${maxScale} or less` });
  const cpu = flags.cpu === undefined ? undefined : percent(flags.cpu, "--cpu");
  const memory = flags.memory === undefined ? undefined : percent(flags.memory, "--memory");
  return {
    min,
    max,
    ...(cpu === undefined && memory === undefined ? { cpuPercent: DEFAULT_CPU_PERCENT } : {}),
    ...(cpu === undefined ? {} : { cpuPercent: cpu }),
    ...(memory === undefined ? {} : { memoryPercent: memory }),
  };
}

function count(value: string, name: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new ValidationError("INVALID_AUTOSCALE", `${name} must be a whole number, got ${JSON.stringify(value.slice(0, 20))}`, { hint: `e.g. ${name} 3` });
  return Number(value);
}

function percent(value: string, name: string): number {
  const m = /^(\d{1,4})%?$/.exec(value);
  const n = m === null ? Number.NaN : Number(m[1]);
  if (!(n >= 1 && n <= 1000)) {
    throw new ValidationError("INVALID_AUTOSCALE", `${name} must be a percentage from 1% to 1000%, got ${JSON.stringify(value.slice(0, 20))}`, {
      hint: `e.g. ${name} 70% (of the process's ${name.slice(2)} request)`,
    });
  }
  return n;
}
