import type { Principal } from "../principal.ts";

/** A public key offered by an SSH client: algorithm name and key blob (SSH wire format). */
export interface OfferedKey {
  readonly algorithm: string;
  readonly data: Buffer;
}

/**
 * Who someone is and what they may touch. Implemented over the users/keys/tokens store
 * (packages/kube) and used by SSH, git (SSH and smart HTTP), the API and the status page.
 */
export interface AccessControl {
  /** The principal owning this SSH key, or undefined (refuse). */
  authenticateKey(key: OfferedKey): Promise<Principal | undefined>;
  /** The principal for HTTP basic/bearer auth with an API token, or undefined. */
  authenticateToken(user: string | undefined, token: string): Promise<Principal | undefined>;
  /** Admins may touch every app; developers only the apps granted to them. */
  canAccessApp(principal: Principal, app: string): Promise<boolean>;
}
