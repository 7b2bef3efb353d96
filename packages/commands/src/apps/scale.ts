import { ValidationError, applyScale, parseScaleArgs } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyStringMap } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";
import { table } from "../output.ts";
import { checkTemplateScale } from "../templates/scale-limit.ts";
import { describeAutoscale } from "./autoscale.ts";
import { knownProcessTypes } from "./shared.ts";

const usage = "APP [TYPE=N|TYPE+N|TYPE-N…]";

/** `apps:scale APP [web=2 worker+1 …]`: Heroku's grammar; without terms shows the scale. */
export const appsScale: Command = {
  name: "apps:scale",
  aliases: ["ps:scale", "scale"],
  summary: "Show or change how many of each process type run",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/scale",
    body: { scale: { type: "object", description: 'Process type → "N", "+N" or "-N"', required: true } },
    toArgs: (i) =>
      argv([
        appParam(i),
        ...Object.entries(bodyStringMap(i, "scale")).map(([t, v]) => (/^[+-]/.test(v) ? `${t}${v}` : `${t}=${v}`)),
      ]),
  },
  async run(ctx) {
    const u = `apps:scale ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1 });
    const app = await loadApp(ctx, positionals[0], u);
    const terms = positionals.slice(1);
    if (terms.length === 0) return show(app.spec.processes, app.status.processes);
    const changes = parseScaleArgs(terms);
    const known = await knownProcessTypes(ctx, app);
    const max = ctx.services.limits.maxScale;
    // A count set by hand would be overwritten by the HorizontalPodAutoscaler within seconds.
    const autoscaled = changes.map((c) => c.process).filter((t) => app.spec.processes[t]?.autoscale !== undefined);
    if (autoscaled.length > 0) {
      const t = autoscaled[0] ?? "";
      const a = app.spec.processes[t]?.autoscale;
      throw new ValidationError("PROCESS_AUTOSCALED", `${t} of ${app.name} is autoscaled (${a === undefined ? "" : describeAutoscale(a)}); apps:scale would fight the autoscaler`, {
        hint: `change the bounds with: ssh qs apps:autoscale ${app.name} ${t} --min N --max N, or stop it with: ssh qs apps:autoscale ${app.name} ${t} --off`,
      });
    }
    // Validate against the current spec first so a bad term fails before any write …
    // (and against the limit of the template the app came from, e.g. SQLite on its volume) …
    checkTemplateScale(app.name, app.spec, applyScale(changes, replicasOf(app.spec.processes), known, max), "scale");
    let applied: Record<string, number> = {};
    // … and apply relative terms to the freshest spec inside the retried update.
    const updated = await ctx.services.apps.update(app.name, (spec) => {
      applied = applyScale(changes, replicasOf(spec.processes), known, max);
      checkTemplateScale(app.name, spec, applied, "scale");
      const processes = { ...spec.processes };
      for (const [type, replicas] of Object.entries(applied)) processes[type] = { ...processes[type], replicas };
      return { ...spec, processes };
    });
    const shown = show(updated.spec.processes, updated.status.processes);
    return {
      json: { app: app.name, processes: replicasOf(updated.spec.processes) },
      text: `Scaled ${app.name}: ${Object.entries(applied).map(([t, n]) => `${t}=${n}`).join(" ")}\n${shown.text}`,
    };
  },
};

function replicasOf(processes: Readonly<Record<string, { replicas: number }>>): Record<string, number> {
  return Object.fromEntries(Object.entries(processes).map(([t, p]) => [t, p.replicas]));
}

function show(
  processes: Readonly<Record<string, { replicas: number; cpu?: string; memory?: string }>>,
  status: Readonly<Record<string, { ready: number; desired: number }>> | undefined,
): { json: unknown; text: string } {
  const types = Object.keys(processes).sort();
  const json = Object.fromEntries(types.map((t) => [t, processes[t]?.replicas ?? 0]));
  if (types.length === 0) return { json, text: "No process types scaled yet (web runs once after the first deploy)" };
  return {
    json,
    text: table(
      ["type", "replicas", "ready", "cpu", "memory"],
      types.map((t) => [
        t,
        String(processes[t]?.replicas ?? 0),
        status?.[t] === undefined ? "-" : `${status[t].ready}/${status[t].desired}`,
        processes[t]?.cpu ?? "default",
        processes[t]?.memory ?? "default",
      ]),
    ),
  };
}
