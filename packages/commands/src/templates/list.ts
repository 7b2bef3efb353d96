import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { table } from "../output.ts";
import { defaultTemplates, templateImage } from "./catalog.ts";

/** `templates`: the app templates apps:create --template takes, one line each. */
export const templatesList: Command = {
  name: "templates:list",
  aliases: ["templates"],
  summary: "List the app templates (ssh qs apps:create APP --template NAME)",
  usage: "",
  mutating: false,
  api: { method: "get", path: "/templates", toArgs: () => [] },
  async run(ctx) {
    parseArgs(ctx.args, {}, { usage: "templates", max: 0 });
    const { templates } = defaultTemplates();
    const json = templates.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      homepage: t.homepage,
      image: templateImage(t),
      addons: (t.addons ?? []).map((a) => a.kind),
    }));
    const text = table(
      ["name", "description", "image", "add-ons"],
      templates.map((t) => [
        t.name,
        t.description,
        templateImage(t).replace(/^docker\.io\//, ""),
        (t.addons ?? []).map((a) => a.kind).join(", ") || "-",
      ]),
    );
    return Promise.resolve({ json, text: `${text}\nCreate one with: ssh qs apps:create NAME --template TEMPLATE` });
  },
};
