import type { AppProcess, AutoscalerState } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";
import { formatAge, formatBytes, formatCpu } from "../nodes/format.ts";
import { table } from "../output.ts";
import { opsOf } from "../users/support.ts";

const usage = "APP";
const u = `apps:ps ${usage}`;

/** `apps:ps APP`: the app's pods with state, restarts, age, node, CPU and memory. */
export const appsPs: Command = {
  name: "apps:ps",
  aliases: ["ps"],
  summary: "List an app's processes with state, restarts, age, node, CPU and memory",
  usage,
  mutating: false,
  api: { method: "get", path: "/apps/{app}/ps", toArgs: (i) => argv([appParam(i)]) },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 1, max: 1 });
    const app = await existingApp(ctx, positionals[0], u);
    const ops = opsOf(ctx);
    const [processes, autoscalers] = await Promise.all([ops.ps(app), ops.autoscalers?.(app) ?? Promise.resolve([])]);
    const scaling = autoscalers.length === 0 ? "" : `\n\n${autoscalerTable(autoscalers, Date.now())}`;
    // --json stays the process list API clients already parse; the autoscalers are text only.
    if (processes.length === 0) return { json: [], text: `${app} has no running processes.${scaling}` };
    return { json: processes, text: `${psTable(processes, Date.now())}${scaling}` };
  },
};

/** The human table of apps:ps. */
export function psTable(processes: readonly AppProcess[], nowMs: number): string {
  const rows = processes.map((p) => [
    p.source,
    p.state,
    p.ready ? "yes" : "no",
    String(p.restarts),
    p.startedAt === undefined ? "-" : formatAge(nowMs - Date.parse(p.startedAt)),
    p.node ?? "-",
    p.cpuMillicores === undefined ? "-" : formatCpu(p.cpuMillicores),
    p.memoryBytes === undefined ? "-" : formatBytes(p.memoryBytes),
    p.release ?? "-",
  ]);
  return table(["process", "state", "ready", "restarts", "age", "node", "cpu", "memory", "release"], rows);
}

/** The autoscalers under apps:ps: bounds, current/desired replicas, targets and the last change with its reason. */
export function autoscalerTable(autoscalers: readonly AutoscalerState[], nowMs: number): string {
  const rows = autoscalers.map((a) => [
    a.process,
    `${a.min}-${a.max}`,
    `${a.current}/${a.desired}`,
    a.targets.join(", ") || "-",
    a.lastScaleTime === undefined ? "-" : `${formatAge(nowMs - Date.parse(a.lastScaleTime))} ago`,
    a.lastScaleReason ?? a.problem ?? "-",
  ]);
  return `Autoscaling:\n${table(["process", "bounds", "current/desired", "targets", "last scaled", "why"], rows)}`;
}
