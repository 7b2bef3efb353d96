import { type CheckResult, UnavailableError, escapeControls, worstStatus } from "@qs/core";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";

/** `doctor`: every health check with its finding and fix; exits 1 when one is not ok (cron, CI). */
export const doctorCommand: Command = {
  name: "doctor",
  aliases: ["admin:doctor"],
  summary: "Check the installation (nodes, registry, Redis, DNS, certificates, apps…) and say how to fix what is wrong",
  usage: "",
  mutating: false,
  adminOnly: true,
  api: { method: "get", path: "/doctor", toArgs: () => [] },
  async run(ctx) {
    parseArgs(ctx.args, {}, { usage: "doctor", max: 0 });
    requireAdmin(ctx, "run doctor");
    const doctor = ctx.services.doctor;
    if (doctor === undefined) {
      throw new UnavailableError("NOT_CONFIGURED", "doctor is not available on this control plane", {
        hint: "the control plane needs a Kubernetes connection (QS_KUBECONFIG or in-cluster)",
      });
    }
    const results = await doctor.run(ctx.signal);
    const worst = worstStatus(results);
    return {
      json: { status: worst, checks: results },
      text: doctorReport(results),
      ...(worst === "ok" ? {} : { exitCode: 1 }),
    };
  },
};

const LABEL = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;

/** The human report: one line per check, its fix indented below, a summary last. */
export function doctorReport(results: readonly CheckResult[]): string {
  const width = Math.max(0, ...results.map((r) => r.id.length));
  const lines: string[] = [];
  for (const r of results) {
    // Findings quote cluster data (node messages, DNS answers): one line each, no controls.
    lines.push(`${LABEL[r.status]}  ${r.id.padEnd(width)}  ${escapeControls(r.finding, { oneLine: true })}`);
    if (r.status !== "ok" && r.fix !== undefined) lines.push(`      ${" ".repeat(width)}  fix: ${escapeControls(r.fix, { oneLine: true })}`);
  }
  const failing = results.filter((r) => r.status === "fail").length;
  const warning = results.filter((r) => r.status === "warn").length;
  lines.push(
    failing + warning === 0
      ? `All ${results.length} checks pass.`
      : `${failing} failing, ${warning} warning${warning === 1 ? "" : "s"} of ${results.length} checks.`,
  );
  return lines.join("\n");
}
