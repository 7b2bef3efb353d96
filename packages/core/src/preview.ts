import type { AppSpec, PreviewSettings } from "./app.ts";
import { ValidationError } from "./errors.ts";
import { MAX_APP_NAME, shortHash } from "./names.ts";

/** Previews of one app at most, unless apps:previews-enable says otherwise. */
export const DEFAULT_PREVIEW_LIMIT = 5;

/** An idle preview lives this long (72 hours) unless apps:previews-enable says otherwise. */
export const DEFAULT_PREVIEW_TTL_SECONDS = 72 * 3600;

const HASH_LENGTH = 6;

/**
 * The longest parent name that can have previews: `<parent>--<hash>` must still be an app
 * name (MAX_APP_NAME), so the preview's namespace and object names stay within 63 bytes.
 */
export const MAX_PREVIEW_PARENT = MAX_APP_NAME - 2 - HASH_LENGTH;

/** Separates parent and branch in a preview name; app names never need a double dash. */
export const PREVIEW_SEPARATOR = "--";

/** `feature/login` → `feature-login`: lower-case DNS-1123 characters only. */
export function branchSlug(branch: string): string {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug.length === 0 ? "branch" : slug;
}

/**
 * The app name of the preview of `branch`: `shop--feature-login` when that fits in an app
 * name, else a shortened slug plus a hash of the branch. `attempt` > 0 gives another hashed
 * name, for when two branches slug alike (`feature/login`, `feature-login`): the caller takes
 * the first name no other branch holds, so names never collide.
 */
export function previewAppName(parent: string, branch: string, attempt = 0): string {
  if (parent.length > MAX_PREVIEW_PARENT) {
    throw new ValidationError(
      "PREVIEW_PARENT_TOO_LONG",
      `app name "${parent}" is ${parent.length} characters; apps with previews have at most ${MAX_PREVIEW_PARENT}`,
      { hint: "previews are named <app>--<branch> and app names have at most 30 characters" },
    );
  }
  const slug = branchSlug(branch);
  const readable = `${parent}${PREVIEW_SEPARATOR}${slug}`;
  if (attempt === 0 && readable.length <= MAX_APP_NAME) return readable;
  const hash = shortHash(attempt === 0 ? branch : `${branch}#${attempt}`, HASH_LENGTH);
  const room = MAX_APP_NAME - parent.length - PREVIEW_SEPARATOR.length - HASH_LENGTH - 1;
  const head = slug.slice(0, Math.max(room, 0)).replace(/-+$/, "");
  return `${parent}${PREVIEW_SEPARATOR}${head.length === 0 ? "" : `${head}-`}${hash}`;
}

/**
 * The host an app answers on besides its domains: `<app>.<base>`, and for a preview
 * `<branch part>.<parent>.<base>` (`feature-login.shop.example.com`), never a parent's domain.
 */
export function defaultHost(app: string, spec: Pick<AppSpec, "preview">, baseDomain: string): string {
  const parent = spec.preview?.parent;
  const prefix = parent === undefined ? "" : `${parent}${PREVIEW_SEPARATOR}`;
  if (parent === undefined || !app.startsWith(prefix)) return `${app}.${baseDomain}`;
  return `${app.slice(prefix.length)}.${parent}.${baseDomain}`;
}

const DURATION = /^([1-9][0-9]{0,5})(m|h|d)$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;

/** `30m`, `72h`, `7d` → seconds; between 10 minutes and 365 days. */
export function parseTtl(input: string): number {
  const m = DURATION.exec(input);
  const seconds = m === null ? NaN : Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  if (!(seconds >= 600 && seconds <= 365 * 86400)) {
    throw new ValidationError("INVALID_TTL", `"${input.slice(0, 20)}" is not a preview lifetime`, {
      hint: "give minutes, hours or days between 10m and 365d, e.g. --ttl 72h",
    });
  }
  return seconds;
}

/** `72h`, `90m`, `7d`: the shortest exact form of a TTL. */
export function formatTtl(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds / 60)}m`;
}

/**
 * The add-ons flag: `none` (the preview gets the parent's config, URLs included, and no
 * add-on of its own), `fresh` (a new add-on of each kind the parent uses, destroyed with
 * the preview) or `shared` (the preview attaches the parent's add-ons).
 */
export function parseAddonsMode(input: string): PreviewSettings["addons"] {
  if (input === "none" || input === "fresh" || input === "shared") return input;
  throw new ValidationError("INVALID_ADDONS", `--addons "${input.slice(0, 20)}" is not one of fresh, shared, none`, {
    hint: "fresh: each preview gets its own empty add-ons; shared: previews use the parent's; none: neither",
  });
}

/**
 * When an idle preview expires: `ttlSeconds` after its last push. Undefined when `spec` is
 * not a preview or its time cannot be read (then the sweep leaves it alone).
 */
export function previewExpiresAt(spec: Pick<AppSpec, "preview">, ttlSeconds: number): number | undefined {
  const last = spec.preview === undefined ? NaN : Date.parse(spec.preview.lastPushAt);
  return Number.isNaN(last) ? undefined : last + ttlSeconds * 1000;
}
