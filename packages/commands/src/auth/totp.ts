import { generateSecret, generateSync, generateURI, verifySync } from "otplib";

/** RFC 6238 time step used by every authenticator app. */
export const TOTP_PERIOD_SECONDS = 30;

/** A new random TOTP secret (20 bytes, Base32, as authenticator apps expect). */
export function generateTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://totp/…` URI an authenticator app scans (as a QR code) or imports. */
export function totpUri(secret: string, user: string, issuer = "QuickStack"): string {
  return generateURI({ issuer, label: user, secret });
}

/** The current code for a secret (tests, and `users:2fa-enable` self-checks). */
export function totpCode(secret: string, nowMs: number = Date.now()): string {
  return generateSync({ secret, epoch: Math.floor(nowMs / 1000) });
}

/**
 * Checks a 6-digit code, allowing one step of clock drift either way. Returns the time step
 * the code belongs to, or undefined when it is wrong or its step is not after lastUsedStep:
 * store the returned step and pass it back next time, so each code is accepted once
 * (RFC 6238 §5.2, no replay within the window).
 */
export function verifyTotp(
  secret: string,
  code: string,
  lastUsedStep: number | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return undefined;
  try {
    const result = verifySync({
      secret,
      token,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: TOTP_PERIOD_SECONDS,
      ...(lastUsedStep === undefined ? {} : { afterTimeStep: lastUsedStep }),
    });
    // The functional API types a union of HOTP and TOTP results; only TOTP has timeStep.
    return result.valid && "timeStep" in result ? result.timeStep : undefined;
  } catch {
    // A malformed stored secret is the same as a wrong code for the person logging in.
    return undefined;
  }
}
