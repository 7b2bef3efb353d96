import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AccessControl,
  type ApiTokenInfo,
  ConflictError,
  NotFoundError,
  type OfferedKey,
  type Principal,
  type Role,
  type User,
  type UserCredentials,
  type UserKey,
  type UserStore,
  UnavailableError,
  ValidationError,
  parseAppName,
  parseSshPublicKey,
} from "@qs/core";
import { type KubeApis, isConflict, isNotFound } from "../apis.ts";
import type { Secret } from "../rest/wire.ts";
import {
  LABEL_KIND,
  USER_KIND,
  type UserRecord,
  buildUserSecret,
  newUserRecord,
  parseUserName,
  parseUserSecret,
  toUser,
  userSecretName,
} from "./user-record.ts";

/** Options of createUserStore. */
export interface UserStoreOptions {
  /** API handles of the cluster (createKubeApis). */
  readonly apis: KubeApis;
  /** Namespace of the control plane, where user Secrets live. @defaultValue "qs-system" */
  readonly namespace?: string;
  /** Attempts of a read-modify-write before giving up on 409s. @defaultValue 20 */
  readonly maxAttempts?: number;
  /**
   * How long authentication may reuse one listing of the users (an SSH login checks the key
   * twice: query, then signature). Writes through this store clear it at once; edits made
   * elsewhere (kubectl) show after at most this long. @defaultValue 1000
   */
  readonly authCacheMs?: number;
  /** Clock, for tests. @defaultValue () => new Date() */
  readonly now?: () => Date;
}

/** Prefix of API tokens: makes them recognisable to secret scanners and in audit masking. */
export const TOKEN_PREFIX = "qst_";
const TOKEN_NAME = /^[a-z0-9][a-z0-9_.-]{0,39}$/;

/** sha256 hex, used for API tokens and recovery codes (both are high-entropy random). */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Random wait after a 409 so concurrent writers stop colliding in lock-step. */
export async function conflictBackoff(attempt: number): Promise<void> {
  await sleep(Math.random() * Math.min(200, 10 * attempt));
}

function userNotFound(user: string): NotFoundError {
  return new NotFoundError("USER_NOT_FOUND", `user "${user}" does not exist`, {
    hint: "see the users with: ssh qs users:list",
  });
}

/**
 * Users in Kubernetes: one Secret per user in the system namespace, labelled
 * `quickstack.dev/kind=user`. Every change is read-modify-write with the Secret's
 * resourceVersion and is retried on 409, so concurrent edits all survive. Also the
 * AccessControl port, since authentication reads the same records.
 */
export function createUserStore(options: UserStoreOptions): UserStore & AccessControl {
  const secrets = options.apis.secrets;
  const namespace = options.namespace ?? "qs-system";
  const maxAttempts = options.maxAttempts ?? 20;
  const now = options.now ?? (() => new Date());
  const authCacheMs = options.authCacheMs ?? 1000;
  let authCache: { at: number; records: Promise<{ user: string; record: UserRecord }[]> } | undefined;

  /** The user listing for authentication, shared for authCacheMs. */
  function authRecords(): Promise<{ user: string; record: UserRecord }[]> {
    const t = Date.now();
    if (authCache === undefined || t - authCache.at > authCacheMs) {
      const records = listRecords();
      authCache = { at: t, records };
      // A failed listing is not kept: the next login asks again.
      void records.then(undefined, () => {
        if (authCache?.records === records) authCache = undefined;
      });
    }
    return authCache.records;
  }

  async function listRecords(): Promise<{ user: string; record: UserRecord }[]> {
    const list = await secrets.list(namespace, { labelSelector: `${LABEL_KIND}=${USER_KIND}` });
    return list.items
      .map((s) => parseUserSecret(s))
      .filter((r): r is NonNullable<typeof r> => r !== undefined)
      .sort((a, b) => (a.user < b.user ? -1 : 1));
  }

  async function read(user: string): Promise<{ record: UserRecord; version: string }> {
    let secret: Secret;
    try {
      secret = await secrets.read(namespace, userSecretName(user));
    } catch (err) {
      if (isNotFound(err)) throw userNotFound(user);
      throw err;
    }
    const parsed = parseUserSecret(secret);
    if (parsed === undefined) throw userNotFound(user);
    return parsed;
  }

  /** Read-modify-write of one user, retried on 409 Conflict. */
  async function update(user: string, mutate: (r: UserRecord) => UserRecord): Promise<UserRecord> {
    for (let attempt = 1; ; attempt++) {
      const { record, version } = await read(user);
      const next = mutate(record);
      if (next === record) return record;
      try {
        await secrets.replace(namespace, userSecretName(user), buildUserSecret(namespace, user, next, version));
        authCache = undefined;
        return next;
      } catch (err) {
        if (!isConflict(err) || attempt >= maxAttempts) {
          if (isConflict(err)) {
            throw new UnavailableError("USER_BUSY", `user "${user}" is being changed by others; try again`, { cause: err });
          }
          throw err;
        }
        await conflictBackoff(attempt);
      }
    }
  }

  async function create(name: string, role: Role, extra: Partial<Pick<UserRecord, "keys" | "totp">> = {}): Promise<User> {
    parseUserName(name);
    const record: UserRecord = { ...newUserRecord(role, now()), ...extra };
    try {
      await secrets.create(namespace, buildUserSecret(namespace, name, record));
      authCache = undefined;
    } catch (err) {
      if (isConflict(err)) throw new ConflictError("USER_EXISTS", `user "${name}" exists already`);
      throw err;
    }
    return toUser(name, record);
  }

  async function findKey(fingerprint: string): Promise<{ user: string; key: UserKey } | undefined> {
    for (const { user, record } of await listRecords()) {
      const key = record.keys.find((k) => k.fingerprint === fingerprint);
      if (key !== undefined) return { user, key };
    }
    return undefined;
  }

  function newKey(line: string): UserKey {
    const parsed = parseSshPublicKey(line);
    return {
      algorithm: parsed.algorithm,
      fingerprint: parsed.fingerprint,
      publicKey: parsed.line,
      comment: parsed.comment,
      addedAt: now().toISOString(),
    };
  }

  return {
    async list() {
      return (await listRecords()).map(({ user, record }) => toUser(user, record));
    },

    async get(name) {
      return toUser(name, (await read(parseUserName(name))).record);
    },

    create: (name, role) => create(name, role),

    async remove(name) {
      const { record } = await read(parseUserName(name));
      if (record.role === "admin") {
        const admins = (await listRecords()).filter((r) => r.record.role === "admin");
        if (admins.length <= 1) {
          throw new ConflictError("LAST_ADMIN", `"${name}" is the last admin and cannot be removed`, {
            hint: "add another admin first: ssh qs users:add NAME --role admin",
          });
        }
      }
      try {
        await secrets.delete(namespace, userSecretName(name));
        authCache = undefined;
      } catch (err) {
        if (isNotFound(err)) throw userNotFound(name);
        throw err;
      }
    },

    async addKey(user, line) {
      const key = newKey(line);
      const owner = await findKey(key.fingerprint);
      if (owner !== undefined) {
        throw new ConflictError("KEY_EXISTS", `key ${key.fingerprint} is already registered${owner.user === user ? "" : " to another user"}`, {
          hint: "each SSH key identifies exactly one user; make a new key with ssh-keygen -t ed25519",
        });
      }
      await update(parseUserName(user), (r) => ({ ...r, keys: [...r.keys, key] }));
      return key;
    },

    async removeKey(fingerprint) {
      const owner = await findKey(fingerprint);
      if (owner === undefined) {
        throw new NotFoundError("KEY_NOT_FOUND", `no user has the key ${fingerprint.slice(0, 80)}`, {
          hint: "see fingerprints with: ssh qs keys:list",
        });
      }
      await update(owner.user, (r) => ({ ...r, keys: r.keys.filter((k) => k.fingerprint !== fingerprint) }));
      return owner;
    },

    async grant(user, app) {
      parseAppName(app);
      await update(parseUserName(user), (r) => (r.apps.includes(app) ? r : { ...r, apps: [...r.apps, app] }));
    },

    async revoke(user, app) {
      parseAppName(app);
      await update(parseUserName(user), (r) => {
        if (!r.apps.includes(app)) {
          throw new NotFoundError("GRANT_NOT_FOUND", `user "${user}" has no access to "${app}"`);
        }
        return { ...r, apps: r.apps.filter((a) => a !== app) };
      });
    },

    async forgetApp(app) {
      for (const { user, record } of await listRecords()) {
        if (record.apps.includes(app)) await update(user, (r) => ({ ...r, apps: r.apps.filter((a) => a !== app) }));
      }
    },

    async getCredentials(user): Promise<UserCredentials> {
      const { record } = await read(parseUserName(user));
      return {
        ...(record.passwordHash === undefined ? {} : { passwordHash: record.passwordHash }),
        ...(record.totp === undefined ? {} : { totpSecret: record.totp.secret }),
        recoveryCodeHashes: record.totp?.recoveryCodeHashes ?? [],
      };
    },

    async setPasswordHash(user, hash) {
      await update(parseUserName(user), ({ passwordHash: _old, ...rest }) =>
        hash === undefined ? rest : { ...rest, passwordHash: hash },
      );
    },

    async setTotp(user, totp) {
      await update(parseUserName(user), ({ totp: _old, ...rest }) =>
        totp === undefined ? rest : { ...rest, totp: { secret: totp.secret, recoveryCodeHashes: [...totp.recoveryCodeHashes] } },
      );
    },

    async useRecoveryCode(user, codeHash) {
      let used = false;
      await update(parseUserName(user), (r) => {
        used = false;
        if (r.totp === undefined || !r.totp.recoveryCodeHashes.includes(codeHash)) return r;
        used = true;
        return { ...r, totp: { ...r.totp, recoveryCodeHashes: r.totp.recoveryCodeHashes.filter((h) => h !== codeHash) } };
      });
      return used;
    },

    async createToken(user, name) {
      if (!TOKEN_NAME.test(name)) {
        throw new ValidationError("INVALID_TOKEN_NAME", `token name "${name.slice(0, 40)}" is not valid`, {
          hint: "use 1-40 lower-case letters, digits, '.', '_' or '-'",
        });
      }
      // 32 random bytes: guessing is hopeless, so a plain sha256 is a sufficient hash.
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
      const info: ApiTokenInfo = { user, name, createdAt: now().toISOString() };
      await update(parseUserName(user), (r) => {
        if (r.tokens.some((t) => t.name === name)) {
          throw new ConflictError("TOKEN_EXISTS", `you have a token named "${name}" already`, {
            hint: `revoke it first (ssh qs tokens:revoke ${name}) or choose another name`,
          });
        }
        return { ...r, tokens: [...r.tokens, { name, sha256: sha256Hex(token), createdAt: info.createdAt }] };
      });
      return { token, info };
    },

    async revokeToken(user, name) {
      await update(parseUserName(user), (r) => {
        if (!r.tokens.some((t) => t.name === name)) {
          throw new NotFoundError("TOKEN_NOT_FOUND", `no token named "${name.slice(0, 40)}"`, {
            hint: "see your tokens with: ssh qs tokens:list",
          });
        }
        return { ...r, tokens: r.tokens.filter((t) => t.name !== name) };
      });
    },

    async ensureFirstAdmin(line, bootstrap = {}) {
      const key = newKey(line);
      if ((await listRecords()).length > 0) return undefined;
      const totp = bootstrap.totpSecret === undefined ? {} : { totp: { secret: bootstrap.totpSecret, recoveryCodeHashes: [] } };
      try {
        return await create("admin", "admin", { keys: [key], ...totp });
      } catch (err) {
        // Two control planes starting at once: the other one won.
        if (err instanceof ConflictError) return undefined;
        throw err;
      }
    },

    async authenticateKey(offered: OfferedKey): Promise<Principal | undefined> {
      // The blob names its own key type; clients may offer RSA keys under the signature
      // algorithm name (rsa-sha2-256), so the blob alone identifies the key.
      const blob = offered.data.toString("base64");
      for (const { user, record } of await authRecords()) {
        if (record.keys.some((k) => k.publicKey.split(" ")[1] === blob)) return { user, role: record.role };
      }
      return undefined;
    },

    async authenticateToken(user, token) {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
      const digest = Buffer.from(sha256Hex(token), "hex");
      const candidates = user === undefined ? await authRecords() : await read(user).then(
        ({ record }) => [{ user, record }],
        () => [],
      );
      for (const c of candidates) {
        // Constant-time comparison of equal-length digests.
        const match = (t: { sha256: string }): boolean => {
          const stored = Buffer.from(t.sha256, "hex");
          return stored.length === digest.length && timingSafeEqual(stored, digest);
        };
        if (c.record.tokens.some(match)) {
          return { user: c.user, role: c.record.role };
        }
      }
      return undefined;
    },

    async canAccessApp(principal, app) {
      if (principal.role === "admin") return true;
      try {
        const { record } = await read(principal.user);
        return record.apps.includes(app);
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        throw err;
      }
    },
  };
}
