import { AuthenticationError, type AccessControl, type Principal } from "@qs/core";

/**
 * The principal for an Authorization header: `Bearer <token>` or `Basic base64(user:token)`
 * (so `curl -u user:token` works). Throws AuthenticationError; tokens are checked by the
 * AccessControl port, which stores only their hashes.
 */
export async function authenticateRequest(access: AccessControl, header: string | undefined): Promise<Principal> {
  const refuse = (why: string): AuthenticationError =>
    new AuthenticationError(why, { hint: "send Authorization: Bearer TOKEN (make one with: ssh qs tokens:create NAME)" });
  if (header === undefined || header.trim() === "") throw refuse("an API token is required");
  const space = header.indexOf(" ");
  const scheme = space < 0 ? header : header.slice(0, space);
  const credentials = space < 0 ? "" : header.slice(space + 1).trim();
  let user: string | undefined;
  let token: string;
  if (/^bearer$/i.test(scheme)) token = credentials;
  else if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw refuse("basic credentials must be user:token");
    user = decoded.slice(0, colon);
    token = decoded.slice(colon + 1);
  } else throw refuse(`unsupported authorization scheme "${scheme.slice(0, 20)}"`);
  // Tokens are short; a megabyte header is not a token and should not reach a hash.
  if (token === "" || token.length > 512) throw refuse("the API token is malformed");
  const principal = await access.authenticateToken(user, token);
  if (principal === undefined) throw refuse("the API token is not valid");
  return principal;
}
