import { type ApiTokenInfo, type Role, type User, type UserKey, ValidationError, USER_NAME_PATTERN } from "@qs/core";
import { LABEL_MANAGED_BY, MANAGED_BY } from "../labels.ts";
import type { Secret } from "../rest/wire.ts";

/** Label marking user Secrets in the system namespace (DESIGN.md "State"). */
export const LABEL_KIND = "quickstack.dev/kind";
export const LABEL_USER = "quickstack.dev/user";
export const LABEL_ROLE = "quickstack.dev/role";
export const USER_KIND = "user";
/** The single data key of a user Secret: the whole record as JSON. */
export const USER_DATA_KEY = "user.json";

/** An API token as stored: only the sha256 of the token. */
export interface StoredToken {
  readonly name: string;
  readonly sha256: string;
  readonly createdAt: string;
}

/** Everything stored for a user (the Secret's `user.json`). */
export interface UserRecord {
  readonly role: Role;
  readonly keys: readonly UserKey[];
  readonly apps: readonly string[];
  readonly tokens: readonly StoredToken[];
  readonly passwordHash?: string;
  readonly totp?: { readonly secret: string; readonly recoveryCodeHashes: readonly string[] };
  readonly createdAt: string;
}

/** Secret name of a user (user names are DNS-1123 labels of at most 32 characters). */
export function userSecretName(user: string): string {
  return `qs-user-${user}`;
}

/** Validates a user name and returns it. */
export function parseUserName(input: string): string {
  if (!USER_NAME_PATTERN.test(input)) {
    throw new ValidationError("INVALID_USER_NAME", `user name "${input.slice(0, 40)}" is not valid`, {
      hint: "use 1-32 lower-case letters, digits and '-', starting and ending with a letter or digit",
    });
  }
  return input;
}

/** A new, empty record. */
export function newUserRecord(role: Role, now: Date): UserRecord {
  return { role, keys: [], apps: [], tokens: [], createdAt: now.toISOString() };
}

/** The Secret holding a user record (labels let `kubectl get secret -l …` find users). */
export function buildUserSecret(namespace: string, user: string, record: UserRecord, resourceVersion?: string): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: userSecretName(user),
      namespace,
      labels: {
        [LABEL_KIND]: USER_KIND,
        [LABEL_USER]: user,
        [LABEL_ROLE]: record.role,
        [LABEL_MANAGED_BY]: MANAGED_BY,
      },
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    data: { [USER_DATA_KEY]: Buffer.from(JSON.stringify(record)).toString("base64") },
  };
}

/** Reads a user Secret back; undefined when it is not a well-formed user Secret. */
export function parseUserSecret(secret: Secret): { user: string; record: UserRecord; version: string } | undefined {
  const user = secret.metadata?.labels?.[LABEL_USER];
  const raw = secret.data?.[USER_DATA_KEY];
  if (user === undefined || raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as Partial<UserRecord>;
    if (parsed.role !== "admin" && parsed.role !== "developer") return undefined;
    const record: UserRecord = {
      role: parsed.role,
      keys: parsed.keys ?? [],
      apps: parsed.apps ?? [],
      tokens: parsed.tokens ?? [],
      createdAt: parsed.createdAt ?? secret.metadata?.creationTimestamp ?? "",
      ...(parsed.passwordHash === undefined ? {} : { passwordHash: parsed.passwordHash }),
      ...(parsed.totp === undefined ? {} : { totp: parsed.totp }),
    };
    return { user, record, version: secret.metadata?.resourceVersion ?? "" };
  } catch {
    return undefined;
  }
}

/** The public view of a record: no hashes, no TOTP secret. */
export function toUser(name: string, record: UserRecord): User {
  const tokens: ApiTokenInfo[] = record.tokens.map((t) => ({ user: name, name: t.name, createdAt: t.createdAt }));
  return {
    name,
    role: record.role,
    keys: record.keys,
    apps: [...record.apps].sort(),
    tokens,
    hasPassword: record.passwordHash !== undefined,
    totpEnabled: record.totp !== undefined,
    createdAt: record.createdAt,
  };
}
