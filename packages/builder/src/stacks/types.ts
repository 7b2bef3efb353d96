/** The pushed tree as stack detection sees it (fits `Push.listFiles/readFile`). */
export interface SourceTree {
  /** Every path in the tree, `/`-separated, relative to the root. */
  readonly files: readonly string[];
  /** Reads one file, or undefined if absent. */
  readFile(path: string): Promise<Buffer | undefined>;
}

/** The stacks QuickStack knows how to build without a Dockerfile. */
export type StackName = "node" | "python" | "go" | "static";

/** What detection found and the Dockerfile it generated for it. */
export interface DetectedStack {
  readonly stack: StackName;
  /** Human-readable facts for the build output, e.g. `npm (package-lock.json)`. */
  readonly facts: readonly string[];
  readonly dockerfile: string;
}

/** Paths detection looks at, in the order it looks; listed when nothing matches. */
export const STACK_MARKERS = [
  "go.mod",
  "requirements.txt",
  "pyproject.toml",
  "package.json",
  "index.html",
  "public/index.html",
  "dist/index.html",
  "build/index.html",
  "_site/index.html",
  "out/index.html",
] as const;

/** Reads a file as UTF-8 text, or undefined. */
export async function readText(
  tree: Pick<SourceTree, "readFile">,
  path: string,
): Promise<string | undefined> {
  return (await tree.readFile(path))?.toString("utf8");
}
