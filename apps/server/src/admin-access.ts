import { parseSshPublicKey, type AccessControl, type Principal } from "@qs/core";

/**
 * Access control when no cluster is configured (so there is no users store): the
 * configured first admin's SSH key is the only identity, and no API tokens exist.
 */
export function createAdminKeyAccess(adminSshKey: string | undefined): AccessControl {
  const admin = adminSshKey === undefined ? undefined : parseSshPublicKey(adminSshKey);
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
