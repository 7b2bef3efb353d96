import { BuildFailedError } from "@qs/core";
import { header, join, portLines } from "./dockerfile.ts";
import { DEFAULT_VERSIONS, TOOL_VERSIONS, type BaseImages } from "./images.ts";
import { mirrorFact, npmMirrorArgs, type BuildMirrors } from "./mirrors.ts";
import { satisfies } from "./semver.ts";
import { startCmd, startCommandOf, tiniInstall } from "./start-command.ts";
import { copySiteFiles, isSinglePageApp, SPA_FACT, staticRuntime } from "./static.ts";
import { workspaceManifests } from "./workspaces.ts";
import { readText, type DetectedStack, type SourceTree } from "./types.ts";

interface PackageJson {
  readonly main?: unknown;
  readonly scripts?: Readonly<Record<string, unknown>>;
  readonly engines?: { readonly node?: unknown };
  readonly workspaces?: unknown;
}

interface PackageManager {
  readonly name: "npm" | "yarn" | "pnpm";
  /** Needs corepack (installed and enabled as root, before USER: it writes to /usr/local/bin). */
  readonly corepack: boolean;
  readonly lockfile: string | undefined;
  /** Installs every dependency (build stage). */
  readonly installAll: string;
  /**
   * Installs production dependencies only (runtime stage), without lifecycle scripts: the
   * root `prepare` (e.g. `husky`, a dev dependency) would run and fail there.
   */
  readonly installProd: string;
  readonly run: string;
}

/** Package manager from the lockfile; npm without one. */
export function packageManagerOf(files: ReadonlySet<string>): PackageManager {
  // yarn and pnpm come through corepack, which ships with the official Node images.
  if (files.has("pnpm-lock.yaml")) {
    return {
      name: "pnpm",
      lockfile: "pnpm-lock.yaml",
      corepack: true,
      installAll: "pnpm install --frozen-lockfile",
      installProd: "pnpm install --frozen-lockfile --prod --ignore-scripts",
      run: "pnpm run",
    };
  }
  if (files.has("yarn.lock") && files.has(".yarnrc.yml")) {
    // Yarn Berry (2+): --immutable; production-only installs through `workspaces focus`.
    return {
      name: "yarn",
      corepack: true,
      lockfile: "yarn.lock",
      installAll: "yarn install --immutable",
      // Berry runs no `prepare` on install; enableScripts=false skips dependencies' scripts.
      installProd: "YARN_ENABLE_SCRIPTS=false yarn workspaces focus --all --production",
      run: "yarn run",
    };
  }
  if (files.has("yarn.lock")) {
    return {
      name: "yarn",
      corepack: true,
      lockfile: "yarn.lock",
      installAll: "yarn install --frozen-lockfile",
      installProd: "yarn install --frozen-lockfile --production --ignore-scripts",
      run: "yarn run",
    };
  }
  const lockfile = files.has("package-lock.json")
    ? "package-lock.json"
    : files.has("npm-shrinkwrap.json")
      ? "npm-shrinkwrap.json"
      : undefined;
  return {
    name: "npm",
    corepack: false,
    lockfile,
    // `npm ci` needs a lockfile; without one `npm install` is the only choice.
    installAll: lockfile === undefined ? "npm install" : "npm ci",
    installProd:
      lockfile === undefined
        ? "npm install --omit=dev --ignore-scripts"
        : "npm ci --omit=dev --ignore-scripts",
    run: "npm run",
  };
}

/** Chooses the newest supported Node major whose pinned image satisfies `engines.node`. */
export function nodeImageFor(
  engines: string | undefined,
  images: BaseImages,
): { major: string; image: string } {
  const majors = Object.keys(images.node).sort((a, b) => Number(b) - Number(a));
  if (engines === undefined || engines.trim() === "") {
    const major = DEFAULT_VERSIONS.node in images.node ? DEFAULT_VERSIONS.node : (majors[0] ?? "");
    return { major, image: images.node[major] ?? "" };
  }
  for (const major of majors) {
    const image = images.node[major] ?? "";
    const version = /:(\d+\.\d+\.\d+)/.exec(image)?.[1] ?? `${major}.0.0`;
    if (satisfies(version, engines)) return { major, image };
  }
  throw new BuildFailedError(
    `package.json engines.node "${engines}" matches no supported Node version`,
    {
      hint: `supported: ${majors.join(", ")}; change engines.node or commit a Dockerfile`,
    },
  );
}

/** Generates the Dockerfile of a Node app, or undefined when package.json is absent. */
export async function detectNode(
  tree: SourceTree,
  images: BaseImages,
  webCommand: string | undefined,
  mirrors: BuildMirrors = {},
): Promise<DetectedStack | undefined> {
  const text = await readText(tree, "package.json");
  if (text === undefined) return undefined;
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(text) as PackageJson;
  } catch (err) {
    throw new BuildFailedError("package.json is not valid JSON", {
      cause: err,
      hint: (err as Error).message,
    });
  }
  const files = new Set(tree.files);
  const pm = packageManagerOf(files);
  const engines = typeof pkg.engines?.node === "string" ? pkg.engines.node : undefined;
  const { major, image } = nodeImageFor(engines, images);
  const scripts = pkg.scripts ?? {};
  const hasBuild = typeof scripts.build === "string";
  const start = startCommand(pkg, files, webCommand);
  const facts: string[] = [
    `Node ${major}${engines === undefined ? "" : ` (engines.node ${engines})`}`,
    `${pm.name}${pm.lockfile === undefined ? "" : ` (${pm.lockfile})`}`,
    ...(hasBuild ? [`build script: ${pm.run} build`] : []),
  ];
  // Everything the install reads, before the install: Yarn Berry's .yarn/ (releases,
  // plugins, patches), pnpm's workspace file, and every workspace's package.json.
  const manifests = [
    "package.json",
    pm.lockfile,
    ...[".npmrc", ".yarnrc.yml", "pnpm-workspace.yaml"].filter((f) => files.has(f)),
  ]
    .filter((f): f is string => f !== undefined)
    .join(" ");
  const workspaces = await workspaceManifests(tree, pkg.workspaces);
  const copyManifests = (chown: string): string[] => [
    `COPY ${chown}${manifests} ./`,
    ...(tree.files.some((f) => f.startsWith(".yarn/")) ? [`COPY ${chown}.yarn/ ./.yarn/`] : []),
    ...workspaces.map((m) => `COPY ${chown}${m} ./${m.slice(0, -"package.json".length)}`),
  ];
  const corepack = `RUN npm install -g corepack@${TOOL_VERSIONS.corepack} && corepack enable`;
  // Every install of a stage (corepack itself, the package manager corepack fetches, the
  // app's packages) goes through the npm mirror when one is set.
  const npmArgs = npmMirrorArgs(mirrors, {
    corepack: pm.corepack,
    yarnBerry: pm.name === "yarn" && files.has(".yarnrc.yml"),
  });
  const build = [
    `FROM ${image} AS build`,
    "WORKDIR /app",
    ...npmArgs,
    ...(pm.corepack ? [corepack] : []),
    ...copyManifests(""),
    `RUN ${pm.installAll}`,
    "COPY . .",
    ...(hasBuild ? [`RUN ${pm.run} build`] : []),
  ].join("\n");
  if (workspaces.length > 0) facts.push(`workspaces: ${workspaces.length}`);

  if (start === undefined) {
    if (!hasBuild) {
      throw new BuildFailedError("cannot tell how to start this Node app", {
        hint: 'add a "start" script to package.json, a Procfile with `web: <command>`, or a Dockerfile',
      });
    }
    // A front-end project: build, then serve the output folder as a static site.
    const spa = await isSinglePageApp(tree);
    return {
      stack: "static",
      facts: [
        ...facts,
        "no start script: serving the build output (dist, build, out or public)",
        ...(spa ? [SPA_FACT] : []),
        ...mirrorFact(mirrors, ["npmRegistry"]),
      ],
      dockerfile: join(
        header("Node (static build)"),
        [
          build,
          'RUN for d in dist build out public; do if [ -f "$d/index.html" ]; then mv "$d" /out; break; fi; done \\',
          "  && test -d /out || (echo 'the build produced no dist/, build/, out/ or public/ with an index.html' >&2; exit 1)",
          copySiteFiles("/out"),
        ].join("\n"),
        staticRuntime(images, "build", spa),
      ),
    };
  }

  const run = startCommandOf(start);
  const nodeFacts = [
    ...facts,
    `start: ${start}`,
    ...(run.needsInit ? ["init: tini"] : []),
    ...mirrorFact(mirrors, ["npmRegistry", ...(run.needsInit ? (["aptMirror"] as const) : [])]),
  ];
  // The image that runs: production dependencies installed here (without lifecycle
  // scripts), dev ones never, as the unprivileged user.
  const runtime = (sources: string): string =>
    [
      `FROM ${image}`,
      "ENV NODE_ENV=production PATH=/app/node_modules/.bin:$PATH",
      "WORKDIR /app",
      ...(run.needsInit ? [tiniInstall("debian", mirrors)] : []),
      ...npmArgs,
      ...(pm.corepack ? [corepack] : []),
      "RUN chown node:node /app",
      // The official image's unprivileged user (uid 1000).
      "USER node",
      ...copyManifests("--chown=node:node "),
      `RUN ${pm.installProd}`,
      sources,
      portLines(),
      startCmd(run, "debian"),
    ].join("\n");
  if (!hasBuild && !(await installMakesFiles(tree, pkg, workspaces))) {
    // Nothing to build: the build stage would hand over the sources alone. One stage saves
    // unpacking the base image twice (Kaniko also empties its filesystem between stages).
    return {
      stack: "node",
      facts: nodeFacts,
      dockerfile: join(header("Node"), runtime("COPY --chown=node:node . ./")),
    };
  }
  return {
    stack: "node",
    facts: nodeFacts,
    dockerfile: join(
      header("Node"),
      // The runtime stage installs production dependencies itself; dev ones stay behind.
      `${build}\nRUN find . -name node_modules -type d -prune -exec rm -rf {} +`,
      runtime("COPY --from=build --chown=node:node /app ./"),
    ),
  };
}

/**
 * Lifecycle scripts a package manager runs for the project's own packages on install
 * (npm ci: preinstall through postprepare; Yarn and pnpm a subset).
 */
const INSTALL_SCRIPTS = [
  "preinstall",
  "install",
  "postinstall",
  "prepublish",
  "preprepare",
  "prepare",
  "postprepare",
];

/**
 * Whether the build stage's install could leave files the runtime needs: the root or a
 * workspace has an install-time script (`postinstall: cp node_modules/x/x.css public/`),
 * or node_modules is committed (the build stage deletes it; a plain copy would lay it over
 * the installed one). The runtime stage's install skips scripts, so only a build stage
 * keeps what they make. An unreadable workspace manifest counts as having scripts.
 */
async function installMakesFiles(
  tree: SourceTree,
  pkg: PackageJson,
  workspaces: readonly string[],
): Promise<boolean> {
  if (tree.files.some((f) => f.split("/").includes("node_modules"))) return true;
  const hasScripts = (p: PackageJson): boolean =>
    INSTALL_SCRIPTS.some((s) => typeof p.scripts?.[s] === "string");
  if (hasScripts(pkg)) return true;
  for (const manifest of workspaces) {
    try {
      if (hasScripts(JSON.parse((await readText(tree, manifest)) ?? "{}") as PackageJson))
        return true;
    } catch {
      return true;
    }
  }
  return false;
}

function startCommand(
  pkg: PackageJson,
  files: ReadonlySet<string>,
  webCommand: string | undefined,
): string | undefined {
  if (webCommand !== undefined) return webCommand;
  const start = pkg.scripts?.start;
  // Run the start script's own command, not `npm start`: npm would stay PID 1 and not
  // forward SIGTERM. node_modules/.bin is on PATH for it, as npm would do.
  if (typeof start === "string") return start;
  if (files.has("server.js")) return "node server.js";
  if (typeof pkg.main === "string" && files.has(pkg.main.replace(/^\.\//, "")))
    return `node ${pkg.main}`;
  if (files.has("index.js")) return "node index.js";
  return undefined;
}
