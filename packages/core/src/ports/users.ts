import type { Role } from "../principal.ts";

/** User names: DNS-1123 labels of at most 32 characters (they become Secret names). */
export const USER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/;

/** An SSH public key registered for a user. */
export interface UserKey {
  readonly algorithm: string;
  /** `SHA256:…` */
  readonly fingerprint: string;
  /** `algorithm base64` (no comment). */
  readonly publicKey: string;
  readonly comment: string;
  readonly addedAt: string;
}

/** What is shown about an API token: never the token nor its hash. */
export interface ApiTokenInfo {
  readonly user: string;
  readonly name: string;
  readonly createdAt: string;
}

/** A user as listed (no secrets). */
export interface User {
  readonly name: string;
  readonly role: Role;
  readonly keys: readonly UserKey[];
  /** Apps a developer may touch (admins may touch all). */
  readonly apps: readonly string[];
  readonly tokens: readonly ApiTokenInfo[];
  readonly hasPassword: boolean;
  readonly totpEnabled: boolean;
  readonly createdAt: string;
}

/** The secret parts the web login needs (hashes and the TOTP secret; never printed). */
export interface UserCredentials {
  readonly passwordHash?: string;
  readonly totpSecret?: string;
  /** sha256 hex of each unused recovery code. */
  readonly recoveryCodeHashes: readonly string[];
}

/**
 * Users, their keys, grants and API tokens. Stored as one Secret per user in the system
 * namespace (packages/kube/src/users); every change is read-modify-write retried on 409.
 */
export interface UserStore {
  list(): Promise<readonly User[]>;
  /** Throws NotFoundError USER_NOT_FOUND. */
  get(name: string): Promise<User>;
  /** ConflictError USER_EXISTS; ValidationError INVALID_USER_NAME. */
  create(name: string, role: Role): Promise<User>;
  /** Refuses (ConflictError LAST_ADMIN) to remove the last admin. */
  remove(name: string): Promise<void>;
  /** Adds a public key line; ConflictError KEY_EXISTS when any user already has it. */
  addKey(user: string, publicKeyLine: string): Promise<UserKey>;
  /** Removes the key with this fingerprint from whoever has it; NotFoundError KEY_NOT_FOUND. */
  removeKey(fingerprint: string): Promise<{ user: string; key: UserKey }>;
  grant(user: string, app: string): Promise<void>;
  revoke(user: string, app: string): Promise<void>;
  /** Removes an app from every user's grants (apps:destroy). */
  forgetApp(app: string): Promise<void>;
  getCredentials(user: string): Promise<UserCredentials>;
  /** Stores a password hash made by the caller (the store never sees the password). */
  setPasswordHash(user: string, hash: string | undefined): Promise<void>;
  /** Enables TOTP with its secret and hashed recovery codes, or disables it (undefined). */
  setTotp(user: string, totp: { secret: string; recoveryCodeHashes: readonly string[] } | undefined): Promise<void>;
  /** Consumes a recovery code (by its sha256 hex); false when unknown or used. */
  useRecoveryCode(user: string, codeHash: string): Promise<boolean>;
  /** Creates a token; the plain token is returned once and only its sha256 is stored. */
  createToken(user: string, name: string): Promise<{ token: string; info: ApiTokenInfo }>;
  /** NotFoundError TOKEN_NOT_FOUND. */
  revokeToken(user: string, name: string): Promise<void>;
  /**
   * Creates user `admin` with this key when no user exists (QS_ADMIN_SSH_KEY, dev mode,
   * installer). The installer's TOTP secret (Secret quickstack-admin), when given, enables
   * two-factor login from the start. Returns the new user, or undefined when users exist.
   */
  ensureFirstAdmin(publicKeyLine: string, options?: { totpSecret?: string }): Promise<User | undefined>;
}
