import { BuildFailedError } from "@qs/core";
import { execCmd, header, join, portLines, shellCmd } from "./dockerfile.ts";
import { DEFAULT_VERSIONS, TOOL_VERSIONS, type BaseImages } from "./images.ts";
import { readText, type DetectedStack, type SourceTree } from "./types.ts";

type Installer = "pip" | "uv" | "poetry" | "pip-pyproject";

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

/** Generates the Dockerfile of a Python app, or undefined without requirements.txt/pyproject.toml. */
export async function detectPython(
  tree: SourceTree,
  images: BaseImages,
  webCommand: string | undefined,
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
        : files.has("poetry.lock") || /^\[tool\.poetry\]/m.test(pyproject ?? "")
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
  const install: Record<Installer, string[]> = {
    pip: ["COPY requirements.txt ./", "RUN pip install --no-cache-dir -r requirements.txt"],
    uv: [
      `RUN pip install --no-cache-dir uv==${TOOL_VERSIONS.uv}`,
      "COPY pyproject.toml uv.lock ./",
      // uv installs into the active venv named by UV_PROJECT_ENVIRONMENT.
      "RUN UV_PROJECT_ENVIRONMENT=/opt/venv uv sync --frozen --no-dev --no-install-project",
    ],
    poetry: [
      `RUN pip install --no-cache-dir poetry==${TOOL_VERSIONS.poetry}`,
      `COPY pyproject.toml ${files.has("poetry.lock") ? "poetry.lock " : ""}./`,
      // Poetry installs into the already active venv when it may not create its own.
      "RUN POETRY_VIRTUALENVS_CREATE=false poetry install --only main --no-root --no-interaction",
    ],
    "pip-pyproject": ["COPY . .", "RUN pip install --no-cache-dir ."],
  };
  return {
    stack: "python",
    facts: [
      `Python ${version}${pinned === undefined ? "" : " (pinned)"}`,
      installer === "pip-pyproject"
        ? "pip (pyproject.toml)"
        : installer === "pip"
          ? "pip (requirements.txt)"
          : `${installer} (${installer === "uv" ? "uv.lock" : "poetry.lock"})`,
      `start: ${start}`,
    ],
    dockerfile: join(
      header("Python"),
      [
        `FROM ${image} AS build`,
        "RUN python -m venv /opt/venv",
        "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1",
        "WORKDIR /app",
        ...install[installer],
      ].join("\n"),
      [
        `FROM ${image}`,
        "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1",
        "RUN useradd --create-home --uid 10001 app",
        "COPY --from=build /opt/venv /opt/venv",
        "WORKDIR /app",
        "COPY --chown=10001:10001 . .",
        "USER 10001",
        portLines(),
        start.startsWith("[") ? execCmd(JSON.parse(start) as string[]) : shellCmd(start),
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
