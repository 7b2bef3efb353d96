import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseImageReference } from "@qs/core";
import { repoRoot, runCommand } from "./support.ts";

// install.sh reads QUICKSTACK_IMAGE with parse_image_ref (scripts/install/lib.sh), a bash
// copy of packages/core's parseImageReference: both must split and refuse alike.

/** parse_image_ref's verdict: `name|tag|digest`, or null when it refuses. */
function parseInBash(ref: string): string | null {
  const script = `source ${join(repoRoot, "scripts/install/lib.sh")}\nparse_image_ref "$1" && printf '%s|%s|%s' "$IMAGE_NAME" "$IMAGE_TAG" "$IMAGE_DIGEST"`;
  const result = runCommand("bash", ["-c", script, "parse", ref]);
  return result.status === 0 ? result.stdout : null;
}

const digest = `sha256:${"a".repeat(64)}`;

describe("parse_image_ref (QUICKSTACK_IMAGE)", () => {
  it.each([
    ["busybox", "busybox||"],
    ["docker.io/library/busybox:1.37.0", "docker.io/library/busybox|1.37.0|"],
    ["library/busybox:1.37.0", "library/busybox|1.37.0|"],
    [`ghcr.io/osscontainertools/kaniko:v1.27.6@${digest}`, `ghcr.io/osscontainertools/kaniko|v1.27.6|${digest}`],
    [`localhost:5000/app@${digest}`, `localhost:5000/app||${digest}`],
    ["registry.qs-system.svc:5000/qs/shop:v3", "registry.qs-system.svc:5000/qs/shop|v3|"],
    // A registry port without a tag is not a tag.
    ["203.0.113.10:5000/me/quickstack", "203.0.113.10:5000/me/quickstack||"],
    [`203.0.113.10:5000/me/quickstack:0.2.0@${digest}`, `203.0.113.10:5000/me/quickstack|0.2.0|${digest}`],
  ])("splits %s like parseImageReference", (ref, expected) => {
    expect(parseInBash(ref)).toBe(expected);
    const core = parseImageReference(ref);
    const name = core.domain === undefined ? core.path : `${core.domain}/${core.path}`;
    expect(`${name}|${core.tag ?? ""}|${core.digest ?? ""}`).toBe(expected);
  });

  it.each([
    "",
    "Busybox",
    "busybox:",
    "busybox:-1",
    "busybox@sha256:abc",
    `busybox@sha512:${"a".repeat(128)}`,
    "ghcr.io/Upper/name",
    "name with space",
    "a//b",
    "-lead/x",
    `x:${"t".repeat(129)}`,
    "busybox;rm -rf /",
    `a@${digest}@${digest}`,
    "host:port:5000/x",
  ])("refuses %j as parseImageReference does", (ref) => {
    expect(parseInBash(ref)).toBeNull();
    expect(() => parseImageReference(ref)).toThrow(expect.objectContaining({ code: "INVALID_IMAGE" }));
  });
});
