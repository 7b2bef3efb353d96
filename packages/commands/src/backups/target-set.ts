import { UsageError, ValidationError } from "@qs/core";
import type { Command, CommandContext } from "../command.ts";
import { argv, bodyString, flag, optionalString } from "../api-args.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { readAll } from "../users/support.ts";
import { backupService } from "./shared.ts";

const usage = "s3://BUCKET/PREFIX --endpoint URL --access-key KEY --secret-key SECRET|- [--region REGION]";

/** `s3://bucket/prefix`: a bucket name as S3 allows it, then an optional path. */
export function parseTargetUrl(input: string): string {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[A-Za-z0-9._/-]*)?$/.exec(input);
  if (m === null || (m[2] ?? "").includes("..")) {
    throw new ValidationError("INVALID_BACKUP_TARGET", `"${input}" is not an s3://bucket/prefix address`, { hint: "e.g. s3://my-backups/qs (bucket: 3–63 of a-z 0-9 . -)" });
  }
  return `s3://${m[1] ?? ""}${(m[2] ?? "").replace(/\/+$/, "")}`;
}

/** An http(s) endpoint without credentials, path or query. */
export function parseEndpoint(input: string | undefined): string {
  let url: URL | undefined;
  try {
    url = new URL(input ?? "");
  } catch {
    url = undefined;
  }
  if (url === undefined || !["http:", "https:"].includes(url.protocol) || url.username !== "" || url.password !== "" || url.search !== "" || (url.pathname !== "/" && url.pathname !== "")) {
    throw new ValidationError("INVALID_ENDPOINT", `--endpoint must be an http(s)://host[:port] address`, { hint: "e.g. --endpoint https://s3.eu-central-1.amazonaws.com (keys go in --access-key/--secret-key, not the URL)" });
  }
  return `${url.protocol}//${url.host}`;
}

async function secretFrom(ctx: CommandContext, value: string | undefined): Promise<string> {
  if (value === undefined || value === "") throw new UsageError("missing --secret-key", { hint: `usage: backups:target-set ${usage}` });
  if (value !== "-") return value;
  if (ctx.via === "api" || ctx.io.tty !== undefined) {
    throw new UsageError("--secret-key - reads the key from stdin, which is not available here", { hint: "pipe it in without -t: ssh qs backups:target-set … --secret-key - < keyfile" });
  }
  return (await readAll(ctx.io.stdin, 4096, ctx.signal)).trim();
}

/** `backups:target-set`: tests the storage from inside the cluster, then keeps it (keys in a Secret). */
export const backupsTargetSet: Command = {
  name: "backups:target-set",
  summary: "Set the S3-compatible storage backups go to (tested before it is saved)",
  usage,
  mutating: true,
  adminOnly: true,
  api: {
    method: "put",
    path: "/backups/target",
    body: {
      url: { type: "string", description: "s3://bucket/prefix", required: true },
      endpoint: { type: "string", description: "S3 endpoint URL as pods reach it", required: true },
      accessKey: { type: "string", description: "Access key id", required: true },
      secretKey: { type: "string", description: "Secret access key", required: true },
      region: { type: "string", description: "Region, default us-east-1" },
    },
    toArgs: (i) =>
      argv([bodyString(i, "url")], [
        ...flag("endpoint", bodyString(i, "endpoint")),
        ...flag("access-key", bodyString(i, "accessKey")),
        ...flag("secret-key", bodyString(i, "secretKey")),
        ...flag("region", optionalString(i, "region")),
      ]),
  },
  async run(ctx) {
    const u = `backups:target-set ${usage}`;
    const { positionals, flags } = parseArgs(
      ctx.args,
      {
        endpoint: { type: "string", description: "S3 endpoint URL as pods reach it" },
        "access-key": { type: "string", description: "Access key id" },
        "secret-key": { type: "string", description: "Secret access key, or - to read it from stdin" },
        region: { type: "string", description: "Region (default us-east-1)" },
      },
      { usage: u, min: 1, max: 1 },
    );
    requireAdmin(ctx, "set the backup target");
    const url = parseTargetUrl(positionals[0] ?? "");
    const endpoint = parseEndpoint(flags.endpoint);
    const region = flags.region ?? "us-east-1";
    if (!/^[a-z0-9-]{1,32}$/.test(region)) throw new ValidationError("INVALID_REGION", `--region ${region} is not a region name`, { hint: "e.g. --region us-east-1" });
    const accessKey = flags["access-key"];
    if (accessKey === undefined || accessKey === "") throw new UsageError("missing --access-key", { hint: `usage: ${u}` });
    const secretKey = await secretFrom(ctx, flags["secret-key"]);
    const target = await backupService(ctx).setTarget({ url, endpoint, region, accessKey, secretKey }, ctx.signal);
    // The keys are never echoed: only where backups go.
    return { json: { target }, text: `Backups go to ${target.url} at ${target.endpoint} (connection tested; keys stored in a Secret)` };
  },
};
