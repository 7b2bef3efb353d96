/** Roles: an admin does everything; a developer only what concerns apps granted to them. */
export type Role = "admin" | "developer";

/** Who is making a request, once authenticated (SSH key, API token or web session). */
export interface Principal {
  readonly user: string;
  readonly role: Role;
}
