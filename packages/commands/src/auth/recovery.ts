import { createHash, randomInt } from "node:crypto";

// No 0/o, 1/l/i: codes are read off paper and typed by hand.
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";

/**
 * Ten (by default) single-use recovery codes like `k7m2p-x9q4r` (50 bits each). Show them once;
 * store only hashRecoveryCode of each.
 */
export function generateRecoveryCodes(count = 10): string[] {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    let raw = "";
    for (let j = 0; j < 10; j++) raw += ALPHABET[randomInt(ALPHABET.length)];
    codes.push(`${raw.slice(0, 5)}-${raw.slice(5)}`);
  }
  return codes;
}

/** Canonical form of a typed code: lower case, no spaces or dashes. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, "");
}

/**
 * sha256 hex of the normalised code. A fast hash is enough: codes carry 50 random bits and
 * logins are rate-limited, so there is nothing to gain from a slow one.
 */
export function hashRecoveryCode(code: string): string {
  return createHash("sha256").update(normalizeRecoveryCode(code)).digest("hex");
}

/** True when the typed text looks like a recovery code (not a 6-digit TOTP code). */
export function isRecoveryCodeShape(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normalizeRecoveryCode(code)) && !/^\d+$/.test(code.trim());
}
