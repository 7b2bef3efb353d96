import { header, join, portLines, shellCmd } from "./dockerfile.ts";
import type { BaseImages } from "./images.ts";
import { readText, type DetectedStack, type SourceTree } from "./types.ts";

/** Folders a site generator commits its output to, in the order they are preferred. */
export const STATIC_OUTPUT_DIRS = ["public", "dist", "build", "_site", "out"] as const;

/**
 * What a static site serves: pages, styles, scripts, data, media, fonts. Nothing else of
 * the repository (sources, lockfiles, a committed `.env`) reaches the web root.
 */
export const SITE_EXTENSIONS = [
  "html",
  "htm",
  "css",
  "js",
  "mjs",
  "json",
  "webmanifest",
  "xml",
  "txt",
  "csv",
  "svg",
  "png",
  "jpg",
  "jpeg",
  "gif",
  "webp",
  "avif",
  "ico",
  "bmp",
  "woff",
  "woff2",
  "ttf",
  "otf",
  "eot",
  "mp4",
  "webm",
  "ogg",
  "mp3",
  "wav",
  "m4a",
  "pdf",
  "wasm",
] as const;

/** Repository files with a site extension that are not part of the site. */
const NOT_SITE = ["static.json", "package.json", "package-lock.json", "tsconfig.json"];

/** Front-end routers whose apps need every unknown path answered with index.html. */
const SPA_ROUTERS = [
  "react-router",
  "react-router-dom",
  "@tanstack/react-router",
  "vue-router",
  "@angular/router",
  "@solidjs/router",
  "svelte-spa-router",
  "preact-router",
  "wouter",
];

/**
 * True for a single-page app: `static.json` says `{"spa": true}` (or false to opt out),
 * else package.json depends on a client-side router.
 */
export async function isSinglePageApp(tree: Pick<SourceTree, "readFile">): Promise<boolean> {
  const flag = parseJson(await readText(tree, "static.json"))?.spa;
  if (typeof flag === "boolean") return flag;
  const pkg = parseJson(await readText(tree, "package.json"));
  const deps = { ...asRecord(pkg?.dependencies), ...asRecord(pkg?.devDependencies) };
  return SPA_ROUTERS.some((name) => name in deps);
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * RUN line copying the site files of `from` into /site: site extensions only, no dotfile
 * or dot-folder at any depth; fails when the result has no index.html.
 */
export function copySiteFiles(from: string): string {
  const names = SITE_EXTENSIONS.map((e) => `-iname '*.${e}'`).join(" -o ");
  const skip = NOT_SITE.map((f) => `! -path './${f}'`).join(" ");
  return [
    `RUN mkdir -p /site && cd ${from} \\`,
    `  && find . -type f ! -path '*/.*' ${skip} \\( ${names} \\) \\`,
    `     -exec sh -c 'for f; do mkdir -p "/site/\${f%/*}" && cp "$f" "/site/$f"; done' sh {} + \\`,
    "  && test -f /site/index.html || (echo 'the site has no index.html' >&2; exit 1)",
  ].join("\n");
}

/**
 * The runtime stage serving /site from stage `siteStage` with busybox httpd as `nobody`
 * (65534: reads the files, binds PORT > 1024). For a single-page app every unknown path
 * gets index.html (busybox httpd's 404 page; the router then renders the deep link).
 */
export function staticRuntime(images: BaseImages, siteStage: string, spa: boolean): string {
  return [
    `FROM ${images.static}`,
    `COPY --from=${siteStage} --chown=65534:65534 /site /srv/www`,
    ...(spa ? ["RUN printf 'E404:/srv/www/index.html\\n' > /srv/httpd.conf"] : []),
    "USER 65534:65534",
    portLines(),
    shellCmd(`httpd -f -v -p "$PORT" -h /srv/www${spa ? " -c /srv/httpd.conf" : ""}`),
  ].join("\n");
}

/** A static site: index.html at the root, or in a committed build output folder. */
export async function detectStatic(
  tree: SourceTree,
  images: BaseImages,
): Promise<DetectedStack | undefined> {
  const files = new Set(tree.files);
  const root = files.has("index.html")
    ? "."
    : STATIC_OUTPUT_DIRS.find((d) => files.has(`${d}/index.html`));
  if (root === undefined) return undefined;
  const spa = await isSinglePageApp(tree);
  return {
    stack: "static",
    facts: [
      root === "." ? "index.html at the root" : `site in ${root}/`,
      "served by busybox httpd (site files only, no dotfiles)",
      ...(spa ? ["single-page app: unknown paths get index.html"] : []),
    ],
    dockerfile: join(
      header("static site"),
      [
        `FROM ${images.static} AS site`,
        `COPY ${root === "." ? "." : `${root}/`} /src`,
        copySiteFiles("/src"),
      ].join("\n"),
      staticRuntime(images, "site", spa),
    ),
  };
}
