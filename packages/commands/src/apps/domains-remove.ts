import { NotFoundError, parseDomain } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP DOMAIN";

/** `apps:domains-remove APP DOMAIN`. */
export const appsDomainsRemove: Command = {
  name: "apps:domains-remove",
  aliases: ["domains:remove"],
  summary: "Remove a custom domain",
  usage,
  mutating: true,
  api: {
    method: "delete",
    path: "/apps/{app}/domains/{domain}",
    toArgs: (i) => argv([appParam(i), i.params.domain ?? ""]),
  },
  async run(ctx) {
    const u = `apps:domains-remove ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const domain = parseDomain(positionals[1] ?? "", { allowWildcard: true });
    await ctx.services.apps.update(app, (spec) => {
      if (!spec.domains.includes(domain)) {
        throw new NotFoundError("DOMAIN_NOT_FOUND", `${domain} is not a domain of ${app}`, {
          hint: `list them with: ssh qs apps:domains ${app}`,
        });
      }
      return { ...spec, domains: spec.domains.filter((d) => d !== domain) };
    });
    return { json: { app, domain }, text: `Removed ${domain} from ${app}` };
  },
};
