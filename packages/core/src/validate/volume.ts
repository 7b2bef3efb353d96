import { ValidationError } from "../errors.ts";
import { isDns1123Label } from "../names.ts";

/** Volume names become part of PVC names (`<app>-vol-<name>`), so they stay short. */
export const MAX_VOLUME_NAME = 30;
/** Directories a volume must never cover: the container would not start or would lie. */
const FORBIDDEN_MOUNTS = ["/proc", "/sys", "/dev", "/etc", "/bin", "/sbin", "/lib", "/usr", "/var/run/secrets"];

/** Validates a volume name (DNS-1123 label, ≤ 30 characters). */
export function parseVolumeName(input: string): string {
  if (!isDns1123Label(input, MAX_VOLUME_NAME)) {
    throw new ValidationError("INVALID_VOLUME_NAME", `volume name ${JSON.stringify(input.slice(0, 40))} is not valid`, {
      hint: `use lower-case letters, digits and '-' (at most ${MAX_VOLUME_NAME} characters), e.g. data`,
    });
  }
  return input;
}

/**
 * Validates a mount path: absolute, normalised (no `.`, `..` or empty segments), printable
 * characters only, not `/` and not a system directory. Returns it without a trailing '/'.
 */
export function parseMountPath(input: string): string {
  const bad = (why: string): ValidationError =>
    new ValidationError("INVALID_MOUNT_PATH", `mount path ${JSON.stringify(input.slice(0, 60))} ${why}`, {
      hint: "give an absolute path such as /data or /app/uploads",
    });
  if (!input.startsWith("/")) throw bad("is not absolute");
  if (input.length > 1024) throw bad("is longer than 1024 characters");
  if (!/^[A-Za-z0-9._/@+-]+$/.test(input)) throw bad("contains characters other than letters, digits and ._-@+/");
  const path = input.length > 1 && input.endsWith("/") ? input.slice(0, -1) : input;
  if (path === "/") throw bad("is the root directory");
  const segments = path.slice(1).split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) throw bad("contains empty, '.' or '..' segments");
  if (FORBIDDEN_MOUNTS.some((dir) => path === dir || path.startsWith(`${dir}/`))) throw bad("is a system directory");
  return path;
}
