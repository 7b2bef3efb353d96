import type { AccessControl, Principal } from "@qs/core";
import { parsePublicKey } from "@qs/ssh";

/**
 * Access control until the users store exists: the configured first admin's SSH key is the
 * only identity (an admin touches every app), and no API tokens exist yet.
 */
export function createAdminKeyAccess(adminSshKey: string | undefined): AccessControl {
  const admin = adminSshKey === undefined ? undefined : parsePublicKey(adminSshKey);
  return {
    authenticateKey: (key) =>
      Promise.resolve<Principal | undefined>(
        admin !== undefined && admin.algorithm === key.algorithm && admin.data.equals(key.data)
          ? { user: "admin", role: "admin" }
          : undefined,
      ),
    authenticateToken: () => Promise.resolve(undefined),
    canAccessApp: (principal) => Promise.resolve(principal.role === "admin"),
  };
}
