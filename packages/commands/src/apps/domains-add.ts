import { ConflictError, LimitExceededError, parseDomain } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { existingApp } from "../guard.ts";

const usage = "APP DOMAIN";
/** Each domain is an Ingress rule and a certificate; more than this is a mistake. */
export const MAX_DOMAINS = 50;

/** `apps:domains-add APP DOMAIN`: routes DOMAIN to the app's web process with a certificate. */
export const appsDomainsAdd: Command = {
  name: "apps:domains-add",
  aliases: ["domains:add"],
  summary: "Add a custom domain (HTTPS certificate included)",
  usage,
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/domains",
    body: { domain: { type: "string", description: "Host name, e.g. shop.example.com", required: true } },
    toArgs: (i) => argv([appParam(i), bodyString(i, "domain")]),
  },
  async run(ctx) {
    const u = `apps:domains-add ${usage}`;
    const { positionals } = parseArgs(ctx.args, {}, { usage: u, min: 2, max: 2 });
    const app = await existingApp(ctx, positionals[0], u);
    const domain = parseDomain(positionals[1] ?? "", { allowWildcard: ctx.services.limits.wildcardDomains === true });
    const base = ctx.services.baseDomain.toLowerCase();
    if (domain === base || domain.endsWith(`.${base}`)) {
      throw new ConflictError("DOMAIN_RESERVED", `${domain} is under the platform's base domain ${base}`, {
        hint: `apps get ${app}.${base} by default; add a domain you own`,
      });
    }
    // A host name routes to one app only; Ingress would otherwise pick one silently.
    for (const other of await ctx.services.apps.list()) {
      if (other.name !== app && other.spec.domains.includes(domain)) {
        throw new ConflictError("DOMAIN_TAKEN", `${domain} belongs to another app`, {
          hint: "remove it there first (an admin can see which app with apps:list --json)",
        });
      }
    }
    await ctx.services.apps.update(app, (spec) => {
      if (spec.domains.includes(domain)) {
        throw new ConflictError("DOMAIN_EXISTS", `${domain} is already a domain of ${app}`);
      }
      if (spec.domains.length >= MAX_DOMAINS) {
        throw new LimitExceededError("DOMAIN_LIMIT", `${app} has ${MAX_DOMAINS} domains, the limit`);
      }
      return { ...spec, domains: [...spec.domains, domain] };
    });
    return {
      json: { app, domain },
      text: [`Added ${domain} to ${app}`, `  point its DNS (A/AAAA or CNAME) at this server; the certificate follows`].join("\n"),
    };
  },
};
