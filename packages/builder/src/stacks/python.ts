import { BuildFailedError } from "@qs/core";
import { execCmd, header, join, portLines } from "./dockerfile.ts";
import { DEFAULT_VERSIONS, TOOL_VERSIONS, type BaseImages } from "./images.ts";
import { aptMirror, mirrorFact, pypiMirrorArgs, type BuildMirrors } from "./mirrors.ts";
import { startCmd, startCommandOf, tiniInstall } from "./start-command.ts";
import { readText, type DetectedStack, type SourceTree } from "./types.ts";

type Installer = "pip" | "uv" | "poetry" | "pip-pyproject";

/** Where a lockfile exported for an install through a mirror is written (build stage only). */
const EXPORTED = "/tmp/requirements.lock.txt";

/** Python `major.minor` from .python-version or runtime.txt (Heroku's), else the default. */
export function pythonVersionOf(pinned: string | undefined, images: BaseImages): string {
  const wanted = pinned === undefined ? undefined : /(\d+\.\d+)/.exec(pinned)?.[1];
  if (wanted === undefined) return DEFAULT_VERSIONS.python;
  if (images.python[wanted] === undefined) {
    throw new BuildFailedError(`Python ${wanted} is not supported`, {
      hint: `supported: ${Object.keys(images.python).join(", ")}; change .python-version/runtime.txt or commit a Dockerfile`,
    });
  }
  return wanted;
}

/** Debian package names (Debian Policy 5.6.1): what an Aptfile line may hold. */
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * The Debian packages of an Aptfile (Heroku's convention): one per line, `#` comments.
 * They are installed in both stages, so build tools and run-time libraries are there.
 * Throws BuildFailedError naming the first line that is not a package name.
 */
export function parseAptfile(text: string): string[] {
  const names = text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l !== "");
  const bad = names.find((n) => !DEBIAN_PACKAGE.test(n));
  if (bad !== undefined) {
    throw new BuildFailedError(
      `Aptfile: ${JSON.stringify(bad.slice(0, 80))} is not a Debian package name`,
      {
        hint: "list one Debian package per line (e.g. build-essential, libpq-dev); # starts a comment",
      },
    );
  }
  return names;
}

/** Output of pip, uv and Poetry when a package had to be built from source and could not. */
const SOURCE_BUILD_FAILED =
  "Failed building wheel|Failed to build|ChefBuildError|error: command '[^']*' failed|unable to execute|Python\\.h: No such file|gcc|cc: not found|rustc|cargo|pkg-config";

/**
 * RUN line for a dependency install that, when it fails because a package needs a
 * compiler, ends with what to do. Output still streams (tee), status kept in a file.
 */
export function installWithHint(command: string, version: string): string {
  const hint = [
    `a dependency has no prebuilt wheel for Python ${version} on Linux and building it from source failed (the slim image has no compiler).`,
    "Add build dependencies: commit an Aptfile listing Debian packages, one per line (e.g. build-essential, libpq-dev),",
    `or pin a version of that dependency that ships a wheel for Python ${version}, or pin an older Python in .python-version.`,
  ];
  return [
    `RUN { ${command} 2>&1; echo $? > /tmp/install-status; } | tee /tmp/install.log; \\`,
    "  status=$(cat /tmp/install-status); rm -f /tmp/install-status; \\",
    '  if [ "$status" != 0 ]; then \\',
    `    if grep -qE "${SOURCE_BUILD_FAILED}" /tmp/install.log; then printf '%s\\n' ${hint.map((h) => `'${h.replaceAll("'", "")}'`).join(" ")} >&2; fi; \\`,
    '    exit "$status"; \\',
    "  fi; rm -f /tmp/install.log",
  ].join("\n");
}

/** Generates the Dockerfile of a Python app, or undefined without requirements.txt/pyproject.toml. */
export async function detectPython(
  tree: SourceTree,
  images: BaseImages,
  webCommand: string | undefined,
  mirrors: BuildMirrors = {},
): Promise<DetectedStack | undefined> {
  const files = new Set(tree.files);
  const requirements = await readText(tree, "requirements.txt");
  const pyproject = await readText(tree, "pyproject.toml");
  if (requirements === undefined && pyproject === undefined) return undefined;
  const installer: Installer =
    requirements !== undefined
      ? "pip"
      : files.has("uv.lock")
        ? "uv"
        : files.has("poetry.lock") ||
            /^\[tool\.poetry\]|poetry\.core\.masonry\.api/m.test(pyproject ?? "")
          ? "poetry"
          : "pip-pyproject";
  const pinned = (await readText(tree, ".python-version")) ?? (await readText(tree, "runtime.txt"));
  const version = pythonVersionOf(pinned, images);
  const image = images.python[version] ?? "";
  const deps = `${requirements ?? ""}\n${pyproject ?? ""}`.toLowerCase();
  const start = webCommand ?? defaultStart(files, deps);
  if (start === undefined) {
    throw new BuildFailedError("cannot tell how to start this Python app", {
      hint: "add a Procfile with `web: <command>` (e.g. `web: gunicorn app:app`), or a Dockerfile",
    });
  }
  const aptfile = await readText(tree, "Aptfile");
  const packages = aptfile === undefined ? [] : parseAptfile(aptfile);
  const aptSources = aptMirror(mirrors);
  const apt =
    packages.length === 0
      ? []
      : [
          ...aptSources.args,
          `RUN ${aptSources.prefix}apt-get update && apt-get install -y --no-install-recommends ${packages.join(" ")} && rm -rf /var/lib/apt/lists/*`,
        ];
  // Through a PyPI mirror, uv and Poetry install what their lockfile pins, with its hashes,
  // from the mirror: `uv sync --frozen` fetches the URLs written in uv.lock (the public
  // file host) whatever the index says, and Poetry has no setting that replaces PyPI.
  // Exported as a hashed requirements file, the same versions install from any index.
  const viaMirror = mirrors.pypiIndex !== undefined;
  const poetryLocked = files.has("poetry.lock");
  const install: Record<Installer, string[]> = {
    pip: [
      "COPY requirements.txt ./",
      installWithHint("pip install --no-cache-dir -r requirements.txt", version),
    ],
    uv: [
      // Poetry and uv go to their own venv: the app's venv gets the app's packages only.
      `RUN python -m venv /opt/tools && /opt/tools/bin/pip install --no-cache-dir uv==${TOOL_VERSIONS.uv}`,
      "COPY pyproject.toml uv.lock ./",
      // uv installs into the venv named by UV_PROJECT_ENVIRONMENT, with the image's Python.
      installWithHint(
        viaMirror
          ? `/opt/tools/bin/uv export --frozen --no-dev --no-emit-project --no-header --format requirements.txt --output-file ${EXPORTED} >/dev/null && UV_PYTHON_DOWNLOADS=never /opt/tools/bin/uv pip install --python /opt/venv/bin/python --require-hashes --no-deps -r ${EXPORTED}`
          : "UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never /opt/tools/bin/uv sync --frozen --no-dev --no-install-project",
        version,
      ),
    ],
    poetry: [
      // Poetry 2 reads both [tool.poetry] and PEP 621 [project] tables; 1.8 read only the first.
      `RUN python -m venv /opt/tools && /opt/tools/bin/pip install --no-cache-dir poetry==${TOOL_VERSIONS.poetry}${viaMirror && poetryLocked ? ` poetry-plugin-export==${TOOL_VERSIONS.poetryExport}` : ""}`,
      `COPY pyproject.toml ${poetryLocked ? "poetry.lock " : ""}./`,
      // Poetry installs into the already active venv when it may not create its own.
      installWithHint(
        viaMirror && poetryLocked
          ? `/opt/tools/bin/poetry export --only main --format requirements.txt --output ${EXPORTED} && pip install --no-cache-dir --require-hashes --no-deps -r ${EXPORTED}`
          : "POETRY_VIRTUALENVS_CREATE=false /opt/tools/bin/poetry install --only main --no-root --no-interaction",
        version,
      ),
    ],
    "pip-pyproject": ["COPY . .", installWithHint("pip install --no-cache-dir .", version)],
  };
  const run = start.startsWith("[") ? undefined : startCommandOf(start);
  return {
    stack: "python",
    facts: [
      `Python ${version}${pinned === undefined ? "" : " (pinned)"}`,
      installer === "pip-pyproject"
        ? "pip (pyproject.toml)"
        : installer === "pip"
          ? "pip (requirements.txt)"
          : installer === "uv"
            ? "uv (uv.lock)"
            : `poetry (${files.has("poetry.lock") ? "poetry.lock" : "pyproject.toml"})`,
      `start: ${start}`,
      ...(packages.length === 0 ? [] : [`Aptfile: ${packages.join(", ")}`]),
      ...(run?.needsInit === true ? ["init: tini"] : []),
      ...mirrorFact(mirrors, [
        "pypiIndex",
        ...(packages.length > 0 || run?.needsInit === true ? (["aptMirror"] as const) : []),
      ]),
    ],
    dockerfile: join(
      header("Python"),
      [
        `FROM ${image} AS build`,
        "RUN python -m venv /opt/venv",
        "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1",
        ...apt,
        "WORKDIR /app",
        ...pypiMirrorArgs(mirrors, installer === "uv"),
        ...install[installer],
      ].join("\n"),
      [
        `FROM ${image}`,
        "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1",
        ...apt,
        ...(run?.needsInit === true ? [tiniInstall("debian", mirrors)] : []),
        "RUN useradd --create-home --uid 10001 app",
        "COPY --from=build /opt/venv /opt/venv",
        "WORKDIR /app",
        "COPY --chown=10001:10001 . .",
        "USER 10001",
        portLines(),
        run === undefined ? execCmd(JSON.parse(start) as string[]) : startCmd(run, "debian"),
      ].join("\n"),
    ),
  };
}

/** gunicorn/uvicorn when they are dependencies, pointed at the usual module names. */
function defaultStart(files: ReadonlySet<string>, deps: string): string | undefined {
  const django = [...files].find((f) => /^[\w-]+\/wsgi\.py$/.test(f) && files.has("manage.py"));
  const asgiModule = ["main.py", "app.py", "asgi.py"].find((f) => files.has(f));
  const wsgiModule = ["app.py", "wsgi.py", "main.py"].find((f) => files.has(f));
  if (/(^|[\s"'])uvicorn\b/m.test(deps) && asgiModule !== undefined) {
    return `uvicorn ${asgiModule.replace(/\.py$/, "")}:app --host 0.0.0.0 --port $PORT`;
  }
  if (/(^|[\s"'])gunicorn\b/m.test(deps)) {
    if (django !== undefined)
      return `gunicorn ${django.replace(/\.py$/, "").replace("/", ".")} --bind 0.0.0.0:$PORT`;
    if (wsgiModule !== undefined)
      return `gunicorn ${wsgiModule.replace(/\.py$/, "")}:app --bind 0.0.0.0:$PORT`;
  }
  const script = ["app.py", "main.py", "server.py"].find((f) => files.has(f));
  return script === undefined ? undefined : `python ${script}`;
}
