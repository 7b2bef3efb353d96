import { BuildFailedError, parseProcfile, type Procfile } from "@qs/core";
import { detectGo } from "./go.ts";
import { resolveImages, type StackOptions } from "./images.ts";
import { checkBuildMirrors } from "./mirrors.ts";
import { detectNode } from "./node.ts";
import { detectPython } from "./python.ts";
import { detectStatic } from "./static.ts";
import { readText, STACK_MARKERS, type DetectedStack, type SourceTree } from "./types.ts";

/** The Procfile of the tree, or undefined when there is none. Throws ValidationError. */
export async function readProcfile(
  tree: Pick<SourceTree, "readFile">,
): Promise<Procfile | undefined> {
  const text = await readText(tree, "Procfile");
  return text === undefined ? undefined : parseProcfile(text);
}

/**
 * Detects the stack of a tree without a Dockerfile and generates one. Order: Go, Python,
 * Node, static — a Python or Go app often carries a package.json for front-end tooling,
 * the reverse is rare. A Procfile's `web` command becomes the image's CMD.
 * Throws BuildFailedError listing the files looked for when nothing matches.
 */
export async function detectStack(
  tree: SourceTree,
  options: StackOptions = {},
): Promise<DetectedStack> {
  const images = resolveImages(options);
  const mirrors = checkBuildMirrors(options.mirrors);
  const procfile = await readProcfile(tree);
  const web = procfile?.processes.web;
  const found =
    (await detectGo(tree, images, web, mirrors)) ??
    (await detectPython(tree, images, web, mirrors)) ??
    (await detectNode(tree, images, web, mirrors)) ??
    (await detectStatic(tree, images));
  if (found === undefined) {
    throw new BuildFailedError("no Dockerfile, and the app's stack could not be detected", {
      hint: `looked for: Dockerfile, ${STACK_MARKERS.join(", ")}; commit a Dockerfile or one of these`,
    });
  }
  return web === undefined || found.stack === "static"
    ? found
    : { ...found, facts: [...found.facts, "web command from Procfile"] };
}
