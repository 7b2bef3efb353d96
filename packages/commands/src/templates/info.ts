import { UsageError } from "@qs/core";
import type { Command } from "../command.ts";
import { argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { keyValues } from "../output.ts";
import { defaultTemplates, templateImage } from "./catalog.ts";

const usage = "TEMPLATE";

/** `templates:info NAME`: what a template makes (image, port, scale limit, volumes, config names, add-ons). */
export const templatesInfo: Command = {
  name: "templates:info",
  summary: "Show what an app template makes",
  usage,
  mutating: false,
  api: { method: "get", path: "/templates/{template}", toArgs: (i) => argv([i.params.template ?? ""]) },
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: `templates:info ${usage}`, min: 1, max: 1 });
    const name = positionals[0];
    if (name === undefined) throw new UsageError("missing TEMPLATE", { hint: `usage: templates:info ${usage}` });
    const t = defaultTemplates().get(name);
    // Config names only: values may be generated secrets, and are made per app.
    const config = (t.config ?? []).map((c) => ("generate" in c ? `${c.name} (generated)` : c.name));
    const addons = (t.addons ?? []).map((a) => `${a.kind}${a.version === undefined ? "" : ` ${a.version}`} as ${a.as}_URL`);
    const json = { ...t, image: templateImage(t), maintainerNotes: undefined };
    const text = keyValues([
      ["template", `${t.title}: ${t.description}`],
      ["homepage", t.homepage],
      ["image", templateImage(t)],
      ["port", String(t.port)],
      ["health check", t.healthCheckPath ?? "TCP"],
      ["resources", `cpu ${t.resources.cpu}, memory ${t.resources.memory}`],
      ["scale", t.scale === undefined ? "as any app" : `at most ${t.scale.max} replica${t.scale.max === 1 ? "" : "s"} of each process type: ${t.scale.reason}`],
      ["volumes", (t.volumes ?? []).map((v) => `${v.name} at ${v.mountPath} (${v.size})`).join(", ") || "none"],
      ["config", config.join(", ") || "none"],
      ["add-ons", addons.join(", ") || "none"],
    ]);
    return Promise.resolve({ json, text });
  },
};
