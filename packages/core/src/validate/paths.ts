import { ValidationError } from "../errors.ts";

/** Validates an HTTP health-check path: starts with '/', printable ASCII, ≤ 1024 characters. */
export function parseHealthCheckPath(input: string): string {
  if (!input.startsWith("/") || input.length > 1024 || !/^\/[\x21-\x7e]*$/.test(input)) {
    throw new ValidationError("INVALID_CHECK_PATH", `health-check path ${JSON.stringify(input.slice(0, 60))} is not valid`, {
      hint: "give an absolute URL path such as /health (no spaces)",
    });
  }
  return input;
}

/** Validates a path inside the repository (a Dockerfile): relative, normalised, printable. */
export function parseRepoPath(input: string): string {
  const segments = input.split("/");
  if (
    input.length === 0 ||
    input.length > 1024 ||
    input.startsWith("/") ||
    !/^[A-Za-z0-9._/@+-]+$/.test(input) ||
    segments.some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new ValidationError("INVALID_PATH", `path ${JSON.stringify(input.slice(0, 60))} is not a path inside the repository`, {
      hint: "give a relative path such as Dockerfile or docker/web.Dockerfile",
    });
  }
  return input;
}

/** Validates a Kubernetes StorageClass name (DNS-1123 subdomain, ≤ 253 characters). */
export function parseStorageClass(input: string): string {
  if (input.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(input)) {
    throw new ValidationError("INVALID_STORAGE_CLASS", `storage class ${JSON.stringify(input.slice(0, 60))} is not valid`, {
      hint: "list them with kubectl get storageclass; e.g. local-path or longhorn",
    });
  }
  return input;
}

/** Parses a release reference `v7` or `7`. */
export function parseReleaseNumber(input: string): number {
  const match = /^v?([1-9][0-9]{0,8})$/.exec(input);
  if (match === null) {
    throw new ValidationError("INVALID_RELEASE", `${JSON.stringify(input.slice(0, 40))} is not a release`, {
      hint: "give a release such as v5 (see ssh qs apps:releases APP)",
    });
  }
  return Number(match[1]);
}
