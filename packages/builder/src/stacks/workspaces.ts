import { readText, type SourceTree } from "./types.ts";

/**
 * The workspace globs of package.json (`"workspaces": [...]` or `{ "packages": [...] }`,
 * npm and Yarn) and of pnpm-workspace.yaml (its `packages:` list).
 */
export async function workspaceGlobs(
  tree: Pick<SourceTree, "readFile">,
  field: unknown,
): Promise<string[]> {
  const fromPackage: readonly unknown[] = Array.isArray(field)
    ? (field as unknown[])
    : typeof field === "object" &&
        field !== null &&
        Array.isArray((field as { packages?: unknown }).packages)
      ? (field as { packages: unknown[] }).packages
      : [];
  const yaml = (await readText(tree, "pnpm-workspace.yaml")) ?? "";
  // Only the `packages:` block list; the rest of the file (catalogs, settings) is not ours.
  const block = /^packages:\s*\n((?:[ \t]+-.*\n?|[ \t]*#.*\n?|[ \t]*\n)*)/m.exec(yaml)?.[1] ?? "";
  const fromPnpm = [...block.matchAll(/^[ \t]+-[ \t]*["']?([^"'#\n]+?)["']?[ \t]*(?:#.*)?$/gm)].map(
    (m) => m[1] ?? "",
  );
  return [...fromPackage, ...fromPnpm].filter(
    (g): g is string => typeof g === "string" && g !== "",
  );
}

/** A workspace glob as a RegExp over folder paths: `*` is one segment, `**` any depth. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/^\.\//, "")
    .replace(/\/+$/, "")
    .split("/")
    .map((part) =>
      part === "**"
        ? "(?:[^/]+(?:/[^/]+)*)?"
        : part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
    )
    .join("/")
    .replace(/\/\(\?:\[\^\/\]\+\(\?:\/\[\^\/\]\+\)\*\)\?/g, "(?:/[^/]+)*");
  return new RegExp(`^${body}$`);
}

/**
 * The package.json of every workspace in the tree, sorted: the install needs them before
 * the sources are copied (npm, Yarn and pnpm all refuse or skip a declared workspace
 * without its manifest). node_modules folders never count.
 */
export async function workspaceManifests(tree: SourceTree, field: unknown): Promise<string[]> {
  const globs = await workspaceGlobs(tree, field);
  const include = globs.filter((g) => !g.startsWith("!")).map(globToRegExp);
  const exclude = globs.filter((g) => g.startsWith("!")).map((g) => globToRegExp(g.slice(1)));
  return tree.files
    .filter((f) => f.endsWith("/package.json") && !f.split("/").includes("node_modules"))
    .filter((f) => {
      const dir = f.slice(0, -"/package.json".length);
      return include.some((r) => r.test(dir)) && !exclude.some((r) => r.test(dir));
    })
    .sort();
}
