import { header, join, portLines, shellCmd } from "./dockerfile.ts";
import type { BaseImages } from "./images.ts";
import type { DetectedStack, SourceTree } from "./types.ts";

/** Folders a site generator commits its output to, in the order they are preferred. */
export const STATIC_OUTPUT_DIRS = ["public", "dist", "build", "_site", "out"] as const;

/** A static site: index.html at the root, or in a committed build output folder. */
export function detectStatic(tree: SourceTree, images: BaseImages): DetectedStack | undefined {
  const files = new Set(tree.files);
  const root = files.has("index.html")
    ? "."
    : STATIC_OUTPUT_DIRS.find((d) => files.has(`${d}/index.html`));
  if (root === undefined) return undefined;
  return {
    stack: "static",
    facts: [
      root === "." ? "index.html at the root" : `site in ${root}/`,
      "served by busybox httpd",
    ],
    dockerfile: join(
      header("static site"),
      [
        `FROM ${images.static}`,
        // 65534 is `nobody`: httpd only needs to read the files and bind PORT (> 1024).
        `COPY --chown=65534:65534 ${root === "." ? "." : `${root}/`} /srv/www`,
        "USER 65534:65534",
        portLines(),
        shellCmd('httpd -f -v -p "$PORT" -h /srv/www'),
      ].join("\n"),
    ),
  };
}
