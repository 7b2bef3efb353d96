import { type BackupHookSpec, ValidationError } from "@qs/core";

/** Seconds an app may take to answer its pre-backup hook when --timeout is not given. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 60;
/** The longest --timeout: a hook that needs more should start its work and answer at once. */
export const MAX_HOOK_TIMEOUT_SECONDS = 600;

// An absolute URL path and query of RFC 3986 characters (unreserved, sub-delims, ":", "@",
// "%", "/", "?"), as the App CRD's schema also says: no spaces, control characters, quotes,
// backslashes or fragments.
const URL_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;

const pathError = (input: string, why: string): ValidationError =>
  new ValidationError("INVALID_HOOK_PATH", `hook path ${JSON.stringify(input.slice(0, 80))} ${why}`, {
    hint: "give the path the app answers on, e.g. /internal/pre-backup (a query such as ?mode=flush is fine); nothing was changed",
  });

/** A pre-backup hook's path: absolute, URL characters only, at most 1024 bytes. */
export function parseHookPath(input: string): string {
  if (!input.startsWith("/")) throw pathError(input, "must start with /");
  if (input.length > 1024) throw pathError(input, "is longer than 1024 characters");
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
  if (/[\s\x00-\x1f\x7f]/.test(input)) throw pathError(input, "has a space or control character");
  if (!URL_PATH.test(input)) throw pathError(input, 'has a character a URL path cannot hold as is (one of " \\ ` < > { } | ^ # or non-ASCII; percent-encode it)');
  return input;
}

/** `--timeout`: seconds as `90`, `90s` or `2m`, 1 s to 10 min. @defaultValue 60 */
export function parseHookTimeout(input: string | undefined): number {
  if (input === undefined) return DEFAULT_HOOK_TIMEOUT_SECONDS;
  const match = /^(\d{1,5})(s|m)?$/.exec(input.trim());
  const seconds = match === null ? Number.NaN : Number(match[1]) * (match[2] === "m" ? 60 : 1);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_HOOK_TIMEOUT_SECONDS) {
    throw new ValidationError("INVALID_HOOK_TIMEOUT", `--timeout ${input} is not a time from 1s to ${MAX_HOOK_TIMEOUT_SECONDS / 60}m`, {
      hint: "write it as 60s, 90 (seconds) or 2m; nothing was changed",
    });
  }
  return seconds;
}

/** How a hook reads in command output: `GET /x (timeout 60 s)`. */
export function describeHook(hook: BackupHookSpec): string {
  return `GET ${hook.path} on the web Service (timeout ${hook.timeoutSeconds} s)`;
}
