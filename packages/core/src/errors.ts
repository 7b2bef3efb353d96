/**
 * The QuickStack error tree. Every error a user can meet is a QsError with a stable
 * `code` (for scripts and the API) and, where there is one, a `hint` saying what to do
 * next. HTTP status and SSH exit code are derived from the class in one place each
 * (`httpStatusOf`, `exitCodeOf`).
 */
export abstract class QsError extends Error {
  abstract readonly code: string;
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }

  /** The JSON shape used by the HTTP API and `--json` output. */
  toJSON(): { code: string; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

/** The request is malformed: bad syntax, unknown flag, missing argument. */
export class UsageError extends QsError {
  readonly code = "USAGE";
}

/** A value was well-formed but not acceptable (bad app name, env key, domain, size …). */
export class ValidationError extends QsError {
  readonly code: string;
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}

/** Who you are could not be established (bad key, token, password or TOTP code). */
export class AuthenticationError extends QsError {
  readonly code = "UNAUTHENTICATED";
}

/** You are known but may not do this. */
export class ForbiddenError extends QsError {
  readonly code = "FORBIDDEN";
}

/** Something named does not exist. */
export class NotFoundError extends QsError {
  readonly code: string;
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}

/** The app named does not exist. */
export class AppNotFoundError extends NotFoundError {
  constructor(app: string) {
    super("APP_NOT_FOUND", `app "${app}" does not exist`, {
      hint: `create it with: ssh qs apps:create ${app}`,
    });
  }
}

/** It exists already, or someone changed it first. */
export class ConflictError extends QsError {
  readonly code: string;
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}

/** Too many attempts; try again later. */
export class RateLimitedError extends QsError {
  readonly code = "RATE_LIMITED";
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options: { hint?: string } = {}) {
    super(message, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A size or count limit was exceeded (push size, config size, scale). */
export class LimitExceededError extends QsError {
  readonly code: string;
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}

/** A build failed because of the app (bad Dockerfile, compile error): not retried. */
export class BuildFailedError extends QsError {
  readonly code = "BUILD_FAILED";
}

/** A deploy did not become ready; the previous release keeps serving. */
export class DeployFailedError extends QsError {
  readonly code = "DEPLOY_FAILED";
}

/** The operation was cancelled (client went away, builds-cancel, shutdown). */
export class CancelledError extends QsError {
  readonly code = "CANCELLED";
}

/** A dependency (Redis, Kubernetes, registry) is unreachable or failing: retry may help. */
export class UnavailableError extends QsError {
  readonly code: string;
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}

/** Configuration from the environment is invalid; the process cannot start. */
export class ConfigError extends QsError {
  readonly code = "CONFIG_INVALID";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** HTTP status for an error; anything that is not a QsError is a 500. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof ValidationError) return 400;
  if (err instanceof AuthenticationError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof LimitExceededError) return 413;
  if (err instanceof BuildFailedError || err instanceof DeployFailedError) return 422;
  if (err instanceof RateLimitedError) return 429;
  if (err instanceof CancelledError) return 499;
  if (err instanceof UnavailableError) return 503;
  return 500;
}

/** Exit codes for SSH commands: 0 ok, 1 failed, 2 usage error (bad input of any kind). */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof ValidationError || err instanceof ConfigError)
    return 2;
  return 1;
}

/** The user-facing text of an error: message plus hint; never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof QsError)
    return err.hint === undefined ? err.message : `${err.message}\n${err.hint}`;
  return "internal error (see the control plane log)";
}
