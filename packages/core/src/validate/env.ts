import { LimitExceededError, ValidationError } from "../errors.ts";

/** POSIX-portable environment variable names (IEEE Std 1003.1 §8.1, plus lower case). */
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Long enough for any real name; keeps Secret keys and error messages bounded. */
export const MAX_ENV_KEY = 256;
/** One value: 32 KiB (a PEM bundle fits; a file does not belong in config). */
export const MAX_ENV_VALUE_BYTES = 32 * 1024;
/** All of an app's config: 256 KiB, well under the 1 MiB Kubernetes Secret limit. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Names the platform sets itself; the user may not override them. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(["PORT"]);

/** Validates a config var name and returns it. */
export function parseEnvKey(input: string): string {
  if (input.length === 0) throw new ValidationError("INVALID_CONFIG_KEY", "config key is empty");
  if (input.length > MAX_ENV_KEY) {
    throw new ValidationError(
      "INVALID_CONFIG_KEY",
      `config key "${input.slice(0, 40)}…" is ${input.length} characters; the limit is ${MAX_ENV_KEY}`,
    );
  }
  if (!ENV_KEY.test(input)) {
    throw new ValidationError("INVALID_CONFIG_KEY", `config key ${JSON.stringify(short(input))} is not valid`, {
      hint: "use letters, digits and '_', not starting with a digit, e.g. DATABASE_URL",
    });
  }
  if (RESERVED_KEYS.has(input)) {
    throw new ValidationError("INVALID_CONFIG_KEY", `config key "${input}" is set by QuickStack`, {
      hint: "the platform sets PORT for the web process; read it in your app instead",
    });
  }
  return input;
}

/** Validates a config value (size, no NUL bytes) and returns it. */
export function parseEnvValue(key: string, value: string): string {
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_ENV_VALUE_BYTES) {
    throw new LimitExceededError(
      "CONFIG_VALUE_TOO_LARGE",
      `value of ${key} is ${bytes} bytes; the limit is ${MAX_ENV_VALUE_BYTES} (32 KiB)`,
      { hint: "store large files in a volume or object storage and put their location in config" },
    );
  }
  // A NUL byte cannot be passed to execve(2): the variable would be cut or dropped.
  if (value.includes("\0")) {
    throw new ValidationError("INVALID_CONFIG_VALUE", `value of ${key} contains a NUL byte`);
  }
  return value;
}

/** Parses `KEY=VALUE` (the value may contain '=' and be empty). */
export function parseEnvAssignment(input: string): { key: string; value: string } {
  const eq = input.indexOf("=");
  if (eq < 0) {
    throw new ValidationError("INVALID_CONFIG_ASSIGNMENT", `${JSON.stringify(short(input))} is not KEY=VALUE`, {
      hint: "write e.g. DATABASE_URL=postgres://…; quote values with spaces",
    });
  }
  const key = parseEnvKey(input.slice(0, eq));
  return { key, value: parseEnvValue(key, input.slice(eq + 1)) };
}

/** Bytes an app's config takes (keys plus values, UTF-8). */
export function configBytes(vars: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [k, v] of Object.entries(vars)) total += Buffer.byteLength(k) + Buffer.byteLength(v);
  return total;
}

/** Throws LimitExceededError when all of an app's config exceeds 256 KiB. */
export function checkConfigSize(vars: Readonly<Record<string, string>>): void {
  const bytes = configBytes(vars);
  if (bytes > MAX_CONFIG_BYTES) {
    throw new LimitExceededError(
      "CONFIG_TOO_LARGE",
      `the app's config would be ${bytes} bytes; the limit is ${MAX_CONFIG_BYTES} (256 KiB)`,
      { hint: "unset unused keys (ssh qs apps:config APP lists them) or move large values elsewhere" },
    );
  }
}

function short(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
