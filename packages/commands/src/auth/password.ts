import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { ValidationError } from "@qs/core";

/** scrypt cost parameters (RFC 7914). */
export interface PasswordHashOptions {
  /** CPU/memory cost N (a power of two). 2^15 × r=8 uses 32 MiB per hash. @defaultValue 32768 */
  readonly cost?: number;
  /** Block size r. @defaultValue 8 */
  readonly blockSize?: number;
  /** Parallelisation p. @defaultValue 1 */
  readonly parallelization?: number;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Passwords longer than this are refused before hashing (no hashing-cost DoS). */
export const MAX_PASSWORD_LENGTH = 1024;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  // maxmem must exceed 128 × N × r bytes or node refuses the parameters.
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Hashes a password with scrypt (memory-hard). The result is self-describing:
 * `scrypt$N$r$p$<salt b64>$<key b64>`, so costs can be raised later without breaking old hashes.
 */
export async function hashPassword(password: string, options: PasswordHashOptions = {}): Promise<string> {
  const n = options.cost ?? 32_768;
  const r = options.blockSize ?? 8;
  const p = options.parallelization ?? 1;
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH)
    throw new ValidationError("INVALID_PASSWORD", `A password must be 1 to ${MAX_PASSWORD_LENGTH} characters long.`, {
      hint: "Choose a passphrase of several words.",
    });
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, n, r, p);
  return `scrypt$${n}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** True when the password matches a hash made by hashPassword (constant-time compare). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parts = hash.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const salt = Buffer.from(parts[4] ?? "", "base64");
  const expected = Buffer.from(parts[5] ?? "", "base64");
  if (password.length > MAX_PASSWORD_LENGTH || expected.length !== KEY_LENGTH) return false;
  const actual = await scryptAsync(password, salt, n, r, p);
  return timingSafeEqual(actual, expected);
}

const dummyHashes = new Map<string, Promise<string>>();

/**
 * Spends the same time as verifyPassword against a real hash of these costs, then returns
 * false. Logins of unknown users call it so timing does not reveal whether a user exists.
 */
export async function verifyDummyPassword(password: string, options: PasswordHashOptions = {}): Promise<false> {
  const key = `${options.cost ?? 0}/${options.blockSize ?? 0}/${options.parallelization ?? 0}`;
  let dummy = dummyHashes.get(key);
  if (!dummy) {
    dummy = hashPassword(randomBytes(16).toString("hex"), options);
    dummyHashes.set(key, dummy);
  }
  await verifyPassword(password, await dummy);
  return false;
}
