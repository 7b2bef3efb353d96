import { ValidationError, type AppSpec } from "@qs/core";

/**
 * Refuses replica counts over the limit of the template an app came from (spec.template,
 * recorded by apps:create --template), e.g. an app whose SQLite database is on its data
 * volume: `ValidationError TEMPLATE_SCALE_LIMIT` naming the template and why. `counts` is
 * process type → the most replicas asked for (apps:scale's new counts, apps:autoscale's
 * --max). An app not made from a template, or from one without a limit, always passes.
 */
export function checkTemplateScale(app: string, spec: Pick<AppSpec, "template">, counts: Readonly<Record<string, number>>, how: "scale" | "autoscale"): void {
  const limit = spec.template?.scaleLimit;
  if (limit === undefined) return;
  const over = Object.entries(counts).find(([, n]) => n > limit.max);
  if (over === undefined) return;
  const [type, n] = over;
  const replicas = `${limit.max} replica${limit.max === 1 ? "" : "s"}`;
  throw new ValidationError(
    "TEMPLATE_SCALE_LIMIT",
    `${app} was made from the ${spec.template?.name ?? ""} template, which allows at most ${replicas} of each process type: ${limit.reason}; ${type}=${n} refused, nothing was changed`,
    { hint: how === "scale" ? `use ${type}=${limit.max} or fewer` : `use --max ${limit.max} or less` },
  );
}
