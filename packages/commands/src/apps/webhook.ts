import { UnavailableError } from "@qs/core";
import type { Command } from "../command.ts";
import { appParam, argv, bodyBoolean } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { loadApp } from "../guard.ts";

const usage = "APP [--rotate]";

/** `apps:webhook APP [--rotate]`: the URL and secret a Git host signs push deliveries with. */
export const appsWebhook: Command = {
  name: "apps:webhook",
  summary: "Print the webhook URL and secret for GitHub, GitLab, Gitea/Forgejo (--rotate makes a new secret)",
  usage,
  // It may create the secret: audited like any change (the secret itself is never recorded).
  mutating: true,
  api: {
    method: "post",
    path: "/apps/{app}/webhook",
    body: { rotate: { type: "boolean", description: "Replace the secret; the old one stops working" } },
    toArgs: (i) => argv([appParam(i)], bodyBoolean(i, "rotate") ? ["--rotate"] : []),
  },
  async run(ctx) {
    const u = `apps:webhook ${usage}`;
    const { positionals, flags } = parseArgs(ctx.args, { rotate: { type: "boolean", description: "New secret" } }, { usage: u, min: 1, max: 1 });
    const app = await loadApp(ctx, positionals[0], u);
    const hooks = ctx.services.webhooks;
    if (hooks === undefined) {
      throw new UnavailableError("WEBHOOKS_UNAVAILABLE", "webhooks are not available on this control plane", { hint: "they need a cluster" });
    }
    const secret = await hooks.secret(app.name, flags.rotate);
    const url = hooks.url(app.name);
    const source = app.spec.source;
    return {
      json: { app: app.name, url, secret, branch: source?.branch ?? null },
      text: [
        `Webhook of ${app.name}`,
        `  URL:          ${url}`,
        `  secret:       ${secret}`,
        `  content type: application/json, push events`,
        "GitHub signs with X-Hub-Signature-256, GitLab sends X-Gitlab-Token, Gitea/Forgejo X-Gitea-Signature;",
        "others: X-QS-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">, X-QS-Delivery: <unique id>.",
        source === undefined
          ? `Deliveries deploy only once a source is set: ssh qs apps:source-set ${app.name} URL --branch main`
          : `Pushes to ${source.branch} deploy; others are ignored.`,
      ].join("\n"),
    };
  },
};
