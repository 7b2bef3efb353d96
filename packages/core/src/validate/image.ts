import { ValidationError } from "../errors.ts";

// The grammar of distribution/reference (what containerd and the kubelet accept):
// [domain[:port]/]path[:tag][@digest], path components lower-case alphanumerics joined by
// '.', '_', '__' or dashes; a tag of up to 128 word characters, dots and dashes.
const DOMAIN = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const TAG = String.raw`[\w][\w.-]{0,127}`;
const DIGEST = String.raw`sha256:[a-f0-9]{64}`;
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** An image reference split into its parts. */
export interface ImageReference {
  /** Registry host (with port), undefined for a Docker Hub short name. */
  readonly domain: string | undefined;
  readonly path: string;
  readonly tag: string | undefined;
  /** `sha256:…` when the reference is pinned to content. */
  readonly digest: string | undefined;
}

const COMPONENT_ONLY = new RegExp(`^${COMPONENT}$`);

/** Parses `name[:tag][@sha256:…]`; throws ValidationError (INVALID_IMAGE) naming the problem. */
export function parseImageReference(input: string): ImageReference {
  const invalid = (why: string): ValidationError =>
    new ValidationError("INVALID_IMAGE", `${JSON.stringify(input.slice(0, 80))} ${why}`, {
      hint: "write it as registry/name:tag@sha256:<64 hex digits>, e.g. ghcr.io/osscontainertools/kaniko:v1.27.6@sha256:…",
    });
  const m = input.length <= 512 ? REFERENCE.exec(input) : null;
  if (m === null) throw invalid("is not an image reference");
  const [, matchedDomain, matchedPath = "", tag, digest] = m;
  let domain = matchedDomain;
  let path = matchedPath;
  // A first component without '.' or ':' that is not localhost is part of the path
  // (`library/busybox` on Docker Hub), not a registry host.
  if (domain !== undefined && !/[.:[]/.test(domain) && domain !== "localhost") {
    if (!COMPONENT_ONLY.test(domain)) throw invalid("is not an image reference");
    path = `${domain}/${path}`;
    domain = undefined;
  }
  if (path.length > 255) throw invalid("has a name longer than 255 characters");
  return { domain, path, tag, digest };
}
