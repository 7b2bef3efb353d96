import {
  hashRecoveryCode,
  isRecoveryCodeShape,
  verifyDummyPassword,
  verifyPassword,
  verifyTotp,
} from "@qs/commands";
import { USER_NAME_PATTERN, type LoginAccount, type Principal } from "@qs/core";
import type { ResolvedOptions } from "./options.ts";

/** What the login form sent. */
export interface LoginAttempt {
  readonly user: string;
  readonly password: string;
  /** TOTP code or recovery code; empty when none typed. */
  readonly code: string;
  readonly address: string;
}

/** The outcome; failure messages never say which part was wrong or whether the user exists. */
export type LoginOutcome =
  | {
      readonly ok: true;
      readonly principal: Principal;
      /** The account as it was checked (its credential stamp goes into the session). */
      readonly account: LoginAccount;
      readonly usedRecoveryCode: boolean;
      readonly recoveryCodesLeft: number;
    }
  | { readonly ok: false; readonly reason: "invalid" | "throttled" | "2fa-required"; readonly retryAfterMs: number };

/** The one message for every wrong credential. */
export const INVALID_LOGIN = "Wrong user name, password or code.";

/**
 * Checks a login: throttle first (per address, per user name and address, and per user
 * name, whether or not the user exists; the attempt is counted before anything is checked), then the password (a dummy hash for unknown users so timing matches), then the
 * second factor: a TOTP code accepted once, or a recovery code consumed.
 */
export async function checkLogin(attempt: LoginAttempt, options: ResolvedOptions): Promise<LoginOutcome> {
  const name = attempt.user.trim().toLowerCase().slice(0, 64);
  // Per address (guessing many names), per name from this address (guessing one), and per
  // name from anywhere (guessing from many addresses: gently capped, so a stranger cannot
  // lock its owner out). Counted before any check, so parallel attempts cannot race it.
  const addressKey = `addr:${attempt.address}`;
  const userKeys = [`user-addr:${name} ${attempt.address}`, `user:${name}`];
  const keys = [addressKey, ...userKeys];
  const wait = await options.throttle.attempt(keys);
  if (wait > 0) return { ok: false, reason: "throttled", retryAfterMs: wait };

  const fail = async (): Promise<LoginOutcome> => ({
    ok: false,
    reason: "invalid",
    retryAfterMs: await options.throttle.retryAfterMs(keys),
  });

  const account = USER_NAME_PATTERN.test(name) ? await options.users.find(name) : undefined;
  if (!account?.passwordHash) {
    await verifyDummyPassword(attempt.password, options.passwordHashOptions);
    return fail();
  }
  if (!(await verifyPassword(attempt.password, account.passwordHash))) return fail();

  let usedRecoveryCode = false;
  let recoveryCodesLeft = account.recoveryCodesLeft;
  if (account.totpSecret) {
    const code = attempt.code.trim();
    if (code === "") return fail();
    if (isRecoveryCodeShape(code)) {
      if (!(await options.users.useRecoveryCode(account.name, hashRecoveryCode(code)))) return fail();
      usedRecoveryCode = true;
      recoveryCodesLeft -= 1;
    } else {
      const last = await options.users.lastTotpStep(account.name);
      const step = verifyTotp(account.totpSecret, code, last, options.now());
      // claimTotpStep is the atomic guard: two logins racing with one code cannot both pass.
      if (step === undefined || !(await options.users.claimTotpStep(account.name, step))) return fail();
    }
  } else if (account.role === "admin" && options.require2fa) {
    // The password was right, so saying why is no leak to a stranger.
    return { ok: false, reason: "2fa-required", retryAfterMs: 0 };
  }

  // The address keeps its other attempts (logging into one's own account must not launder
  // guesses at others); this one is taken back.
  await options.throttle.reset(userKeys, [addressKey]);
  return { ok: true, principal: { user: account.name, role: account.role }, account, usedRecoveryCode, recoveryCodesLeft };
}
