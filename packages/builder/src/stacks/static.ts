import { execCmd, header, join, portLines, shellCmd } from "./dockerfile.ts";
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
 * The runtime stage serving /site from stage `siteStage`. A plain site: busybox httpd as
 * `nobody` (65534: reads the files, binds PORT > 1024), 404 for what is not there. A
 * single-page app: nginx (spaRuntime), which answers deep links with 200 and index.html.
 */
export function staticRuntime(images: BaseImages, siteStage: string, spa: boolean): string {
  if (spa) return spaRuntime(images, siteStage);
  return [
    `FROM ${images.static}`,
    `COPY --from=${siteStage} --chown=65534:65534 /site /srv/www`,
    "USER 65534:65534",
    portLines(),
    shellCmd('httpd -f -v -p "$PORT" -h /srv/www'),
  ].join("\n");
}

/** The fact a build reports for a single-page app. */
export const SPA_FACT = "single-page app: unknown paths get index.html with 200, served by nginx";

/**
 * Extensions whose missing files stay a 404 in a single-page app: the site's own kinds
 * and source maps. A browser asking for a missing script, style or image must not get
 * index.html as `200 text/html` (a script that fails to parse, an HTML page cached under
 * a .js URL, a broken deploy that looks healthy); router paths do not end in these, and
 * a path with any other dot (`/users/ada.lovelace`) still gets the app.
 */
export const SPA_ASSET_EXTENSIONS = [...SITE_EXTENSIONS, "map"] as const;

/** nginx's config for a single-page app; `@PORT@` is replaced at container start. */
export function spaNginxConfig(): string[] {
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"];
  return [
    "daemon off;",
    // One worker: `auto` counts the node's cores, not the container's share of them.
    "worker_processes 1;",
    "pid /tmp/nginx.pid;",
    "error_log stderr;",
    "events { worker_connections 1024; }",
    "http {",
    "  include /etc/nginx/mime.types;",
    "  default_type application/octet-stream;",
    "  access_log /dev/stdout;",
    "  server_tokens off;",
    "  sendfile on;",
    // Not nginx's compiled-in temp folders: they differ between builds and are root's.
    ...temp.map((t) => `  ${t}_temp_path /tmp/nginx-${t};`),
    "  server {",
    "    listen @PORT@;",
    "    root /srv/www;",
    "    index index.html;",
    // A folder's index.html, else the app (no `$uri/`: no 403 for a folder without one,
    // no redirect to a host:port the platform's router does not serve).
    "    location / { try_files $uri $uri/index.html /index.html; }",
    `    location ~* \\.(${SPA_ASSET_EXTENSIONS.join("|")})$ { try_files $uri =404; }`,
    "  }",
    "}",
  ];
}

/**
 * The runtime stage of a single-page app: nginx as `nobody` (65534, in the official image
 * and in Debian's) on $PORT. The config is a template in the image; the start command
 * checks PORT, writes the config to /tmp and runs nginx in the foreground. The official
 * image's entrypoint is dropped, so every nginx image starts the same way.
 */
export function spaRuntime(images: BaseImages, siteStage: string): string {
  const lines = spaNginxConfig().map((l) => `  '${l}' \\`);
  const start = [
    'case "$PORT" in ""|*[!0-9]*) echo "PORT must be a port number, not \'$PORT\'" >&2; exit 1;; esac',
    'sed "s/@PORT@/$PORT/" /srv/nginx.conf.in > /tmp/nginx.conf',
    "exec nginx -e stderr -c /tmp/nginx.conf",
  ].join("; ");
  return [
    `FROM ${images.spa}`,
    `COPY --from=${siteStage} --chown=65534:65534 /site /srv/www`,
    "RUN printf '%s\\n' \\",
    ...lines,
    "  > /srv/nginx.conf.in",
    "USER 65534:65534",
    portLines(),
    "ENTRYPOINT []",
    execCmd(["/bin/sh", "-c", start]),
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
      spa ? "site files only, no dotfiles" : "served by busybox httpd (site files only, no dotfiles)",
      ...(spa ? [SPA_FACT] : []),
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
