import { NotFoundError, USER_NAME_PATTERN, type UserDirectory, type UserStore } from "@qs/core";

/**
 * The login's view of users over the UserStore (hashes and TOTP secret from the user's
 * Secret) and a TOTP step record (Redis: createRedisTotpSteps). Wired by apps/server.
 */
export function createUserDirectory(
  users: Pick<UserStore, "get" | "getCredentials" | "useRecoveryCode">,
  totpSteps: Pick<UserDirectory, "lastTotpStep" | "claimTotpStep">,
): UserDirectory {
  return {
    async find(name) {
      if (!USER_NAME_PATTERN.test(name)) return undefined;
      try {
        const user = await users.get(name);
        const credentials = await users.getCredentials(name);
        return {
          name: user.name,
          role: user.role,
          ...(credentials.passwordHash ? { passwordHash: credentials.passwordHash } : {}),
          ...(user.totpEnabled && credentials.totpSecret ? { totpSecret: credentials.totpSecret } : {}),
          recoveryCodesLeft: credentials.recoveryCodeHashes.length,
        };
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    },
    lastTotpStep: (name) => totpSteps.lastTotpStep(name),
    claimTotpStep: (name, step) => totpSteps.claimTotpStep(name, step),
    useRecoveryCode: (name, codeHash) => users.useRecoveryCode(name, codeHash),
  };
}
