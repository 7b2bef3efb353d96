import { NotFoundError, UsageError, ValidationError } from "./errors.ts";
import type { OpsIO } from "./ports/ops.ts";

/**
 * Add-ons (Heroku-style databases and caches): a StatefulSet with a volume, a Secret with
 * a generated password and a Service in the owning app's namespace. Apps that use one
 * carry an attachment in their spec and its URL in their config (DATABASE_URL …).
 */

/** The kinds QuickStack can run. */
export const ADDON_KINDS = ["postgres", "redis", "mariadb", "mongodb"] as const;
export type AddonKind = (typeof ADDON_KINDS)[number];

/** What each kind sets on an app by default, and the versions it accepts. */
export const ADDON_KIND_INFO: Readonly<
  Record<AddonKind, { readonly variable: string; readonly defaultVersion: string; readonly versions: readonly string[] }>
> = {
  postgres: { variable: "DATABASE", defaultVersion: "17", versions: ["14", "15", "16", "17"] },
  redis: { variable: "REDIS", defaultVersion: "7", versions: ["6", "7"] },
  mariadb: { variable: "DATABASE", defaultVersion: "11.4", versions: ["10.11", "11.4"] },
  mongodb: { variable: "MONGODB", defaultVersion: "8.0", versions: ["7.0", "8.0"] },
};

/** One app's use of an add-on: the app gets `<as>_URL` in its config. */
export interface AddonAttachment {
  /** The add-on's name (unique within its owner app). */
  readonly name: string;
  /** The app that owns the add-on (its namespace holds the objects). */
  readonly owner: string;
  /** Variable prefix: `DATABASE` → `DATABASE_URL`. */
  readonly as: string;
}

/** An add-on as read back from the cluster. */
export interface AddonInfo {
  readonly name: string;
  readonly owner: string;
  readonly kind: AddonKind;
  readonly version: string;
  readonly size: string;
  readonly image: string;
  /** Ready/desired pods of the StatefulSet, e.g. "1/1". */
  readonly ready: string;
  /** Host and port apps reach it at (no credentials). */
  readonly host: string;
  readonly port: number;
}

/** What addons:create asks for. */
export interface AddonRequest {
  readonly name: string;
  readonly kind: AddonKind;
  readonly version: string;
  readonly size: string;
}

/** Add-ons in the cluster (packages/kube/src/addons). */
export interface AddonManager {
  /** Creates the objects; ConflictError ADDON_EXISTS when the name is taken. */
  create(owner: string, request: AddonRequest): Promise<AddonInfo>;
  /** Add-ons an app owns. */
  list(owner: string): Promise<readonly AddonInfo[]>;
  /** Throws AddonNotFoundError. */
  get(owner: string, name: string): Promise<AddonInfo>;
  /** The connection URL with credentials (for config vars only; never printed). */
  url(owner: string, name: string): Promise<string>;
  /** Waits until the server answers its readiness probe; DeployFailedError on timeout. */
  waitReady(owner: string, name: string, timeoutMs?: number): Promise<void>;
  /** A new password: Secret changed, pod restarted with it, ready again. */
  rotate(owner: string, name: string): Promise<void>;
  /** Deletes the add-on; its volume stays unless `purge`. */
  destroy(owner: string, name: string, purge: boolean): Promise<{ volumeKept?: string }>;
  /** psql / redis-cli inside the add-on's pod; resolves the exit code. */
  connect(owner: string, name: string, io: OpsIO, signal: AbortSignal): Promise<number>;
}

/** The add-on named does not exist. */
export class AddonNotFoundError extends NotFoundError {
  constructor(owner: string, name: string) {
    super("ADDON_NOT_FOUND", `app "${owner}" has no add-on "${name}"`, {
      hint: `list them with: ssh qs addons ${owner}`,
    });
  }
}

/** A kind name, or a UsageError listing the kinds. */
export function parseAddonKind(raw: string): AddonKind {
  // MySQL's clients and drivers speak to MariaDB: `mysql` gets MariaDB, as on Debian.
  const aliases: Readonly<Record<string, AddonKind>> = { postgresql: "postgres", mysql: "mariadb", mongo: "mongodb" };
  const kind = aliases[raw] ?? raw;
  if ((ADDON_KINDS as readonly string[]).includes(kind)) return kind as AddonKind;
  throw new ValidationError("UNKNOWN_ADDON_KIND", `unknown add-on kind "${raw}"`, {
    hint: `kinds: ${ADDON_KINDS.join(", ")}`,
  });
}

/** A major version the kind supports (default its newest). */
export function parseAddonVersion(kind: AddonKind, raw: string | undefined): string {
  const info = ADDON_KIND_INFO[kind];
  if (raw === undefined) return info.defaultVersion;
  if (info.versions.includes(raw)) return raw;
  throw new ValidationError("INVALID_ADDON_VERSION", `${kind} version "${raw}" is not offered`, {
    hint: `versions: ${info.versions.join(", ")}`,
  });
}

/** An add-on name: a DNS-1123 label short enough for `addon-<name>-0` objects. */
export function parseAddonName(raw: string): string {
  if (/^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/.test(raw)) return raw;
  throw new ValidationError("INVALID_ADDON_NAME", `"${raw}" is not a valid add-on name`, {
    hint: "use 1–30 lower-case letters, digits and '-', starting with a letter",
  });
}

/** The `--as` prefix: `ANALYTICS` → `ANALYTICS_URL`. `_URL` on the end is taken off. */
export function parseAttachmentAs(raw: string): string {
  const as = raw.toUpperCase().replace(/_URL$/, "");
  if (/^[A-Z][A-Z0-9_]{0,59}$/.test(as)) return as;
  throw new ValidationError("INVALID_ADDON_AS", `"${raw}" cannot name a config var`, {
    hint: "use letters, digits and '_', starting with a letter, e.g. --as ANALYTICS",
  });
}

/** `ADDON` (owned by `app`) or `OWNER/ADDON`, as the add-on verbs take it. */
export function parseAddonRef(app: string, raw: string | undefined, usage: string): { owner: string; name: string } {
  if (raw === undefined) throw new UsageError("missing ADDON", { hint: `usage: ${usage}` });
  const slash = raw.indexOf("/");
  if (slash < 0) return { owner: app, name: parseAddonName(raw) };
  return { owner: raw.slice(0, slash), name: parseAddonName(raw.slice(slash + 1)) };
}

/** The config var an attachment sets. */
export const attachmentVar = (a: { as: string }): string => `${a.as}_URL`;
