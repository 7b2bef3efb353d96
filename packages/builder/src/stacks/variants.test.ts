import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BuildFailedError } from "@qs/core";
import { detectStack } from "./detect.ts";
import {
  BASE_IMAGES_CHOSEN_ON,
  DEFAULT_BASE_IMAGES,
  baseImageList,
  resolveImages,
  runtimesPastEndOfLife,
  type BaseImages,
} from "./images.ts";
import { SPA_FACT, spaNginxConfig } from "./static.ts";
import type { SourceTree } from "./types.ts";

const FIXTURES = join(import.meta.dirname, "../../../../test/fixtures/stacks");

/** A SourceTree over a fixture folder, as Push.listFiles/readFile would give it. */
async function fixture(name: string): Promise<SourceTree> {
  const root = join(FIXTURES, name);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)));
  return {
    files,
    readFile: async (path) => (files.includes(path) ? readFile(join(root, path)) : undefined),
  };
}

/** A SourceTree from inline files. */
function tree(files: Record<string, string>): SourceTree {
  return {
    files: Object.keys(files),
    readFile: (path) => Promise.resolve(path in files ? Buffer.from(files[path]!) : undefined),
  };
}

/** The stage of a Dockerfile: 0 is the first FROM, -1 the last (the image that runs). */
function stage(dockerfile: string, index: number): string {
  const stages = dockerfile.split(/^(?=FROM )/m).filter((s) => s.startsWith("FROM "));
  return stages.at(index) ?? "";
}

/** The shell text of the RUN instruction starting with `prefix`, continuations joined. */
function runScript(dockerfile: string, prefix: string): string {
  const start = dockerfile.indexOf(`RUN ${prefix}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines: string[] = [];
  for (const line of dockerfile.slice(start + 4).split("\n")) {
    if (!line.endsWith("\\")) {
      lines.push(line);
      break;
    }
    lines.push(line.slice(0, -1));
  }
  return lines.join(" ");
}

/** Runs a shell script with /bin/sh; resolves with its exit code, stdout and stderr. */
function sh(
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "/bin/sh",
      ["-c", script],
      { env: { PATH: "/usr/bin:/bin", ...env } },
      (_err, stdout, stderr) => resolve({ code: child.exitCode ?? -1, stdout, stderr }),
    );
  });
}

/** The CMD of the final stage as an argv. */
function cmdOf(dockerfile: string): string[] {
  const line = /^CMD (.*)$/m.exec(stage(dockerfile, -1))?.[1] ?? "[]";
  return JSON.parse(line) as string[];
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qs-stacks-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("Node variants", () => {
  it("npm: lockfile install, then production dependencies without lifecycle scripts", async () => {
    const d = (await detectStack(await fixture("node-npm"))).dockerfile;
    expect(stage(d, 0)).toContain("COPY package.json package-lock.json ./\nRUN npm ci\n");
    expect(stage(d, -1)).toContain("RUN npm ci --omit=dev --ignore-scripts\n");
  });

  it("defaults to the current Node LTS (24) when engines says nothing", async () => {
    const found = await detectStack(await fixture("node-env-start"));
    expect(found.facts[0]).toBe("Node 24");
    expect(stage(found.dockerfile, 0)).toMatch(/^FROM docker\.io\/library\/node:24-/);
  });

  it("pnpm: a current corepack from npm (old ones fail on npm's new keys), before USER", async () => {
    const d = (await detectStack(await fixture("node-pnpm"))).dockerfile;
    const corepack = "RUN npm install -g corepack@0.36.0 && corepack enable";
    expect(stage(d, -1)).toContain(`${corepack}\nRUN chown node:node /app`);
    expect(stage(d, -1).indexOf(corepack)).toBeLessThan(stage(d, -1).indexOf("USER node"));
    // With a build step, the build stage gets it too.
    const built = (
      await detectStack(
        tree({
          "package.json": '{"scripts":{"build":"tsc","start":"node dist/s.js"}}',
          "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        }),
      )
    ).dockerfile;
    expect(stage(built, 0)).toContain(`${corepack}\nCOPY package.json pnpm-lock.yaml ./`);
    expect(d).not.toMatch(/^RUN corepack enable/m);
    expect(stage(d, -1)).toContain("RUN pnpm install --frozen-lockfile --prod --ignore-scripts");
  });

  it("Yarn Berry: .yarnrc.yml and .yarn/ are in place before the install", async () => {
    const d = (await detectStack(await fixture("node-yarn-berry"))).dockerfile;
    expect(stage(d, -1)).toContain(
      "COPY --chown=node:node package.json yarn.lock .yarnrc.yml ./\nRUN YARN_ENABLE_SCRIPTS=false yarn workspaces focus --all --production\n",
    );
    const withRelease = (
      await detectStack(
        tree({
          "package.json": '{"scripts":{"build":"node b.js","start":"node s.js"}}',
          "yarn.lock": "__metadata:\n  version: 8\n",
          ".yarnrc.yml": "yarnPath: .yarn/releases/yarn-4.18.1.cjs\n",
          ".yarn/releases/yarn-4.18.1.cjs": "// yarn",
          "s.js": "",
        }),
      )
    ).dockerfile;
    expect(stage(withRelease, 0)).toContain(
      "COPY package.json yarn.lock .yarnrc.yml ./\nCOPY .yarn/ ./.yarn/\nRUN yarn install --immutable\n",
    );
    expect(stage(withRelease, -1)).toContain(
      "COPY --chown=node:node .yarn/ ./.yarn/\nRUN YARN_ENABLE_SCRIPTS=false yarn workspaces focus",
    );
  });

  it("workspaces: every workspace manifest is copied before the install", async () => {
    const found = await detectStack(await fixture("node-workspaces"));
    const copies = [
      "COPY --chown=node:node package.json package-lock.json ./",
      "COPY --chown=node:node packages/greeting/package.json ./packages/greeting/",
      "COPY --chown=node:node packages/server/package.json ./packages/server/",
      "RUN npm ci --omit=dev --ignore-scripts",
    ].join("\n");
    expect(stage(found.dockerfile, -1)).toContain(copies);
    expect(found.facts).toContain("workspaces: 2");
    // A workspace's install script may make files the runtime needs: a build stage runs it.
    const withScript = await fixture("node-workspaces");
    const scripted = await detectStack({
      ...withScript,
      readFile: async (path) =>
        path === "packages/greeting/package.json"
          ? Buffer.from('{"name":"greeting","scripts":{"postinstall":"node gen.js"}}')
          : withScript.readFile(path),
    });
    expect(stage(scripted.dockerfile, 0)).toContain(
      copies.replaceAll("--chown=node:node ", "").replace(" --omit=dev --ignore-scripts", ""),
    );
    // Workspaces' own node_modules (pnpm makes them) do not carry dev dependencies over.
    expect(stage(scripted.dockerfile, 0)).toContain(
      "RUN find . -name node_modules -type d -prune -exec rm -rf {} +",
    );
  });

  it("pnpm workspaces: pnpm-workspace.yaml and its packages' manifests", async () => {
    const d = (
      await detectStack(
        tree({
          "package.json": '{"scripts":{"build":"tsc -b","start":"node apps/web/index.js"}}',
          "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
          "pnpm-workspace.yaml":
            "packages:\n  - 'apps/*'\n  - \"libs/**\"\n  - '!libs/legacy'\ncatalog:\n  x: 1\n",
          "apps/web/package.json": "{}",
          "apps/web/index.js": "",
          "libs/a/b/package.json": "{}",
          "libs/legacy/package.json": "{}",
          "docs/package.json": "{}",
        }),
      )
    ).dockerfile;
    expect(stage(d, 0)).toContain(
      [
        "COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./",
        "COPY apps/web/package.json ./apps/web/",
        "COPY libs/a/b/package.json ./libs/a/b/",
        "RUN pnpm install --frozen-lockfile",
      ].join("\n"),
    );
    expect(d).not.toContain("libs/legacy");
    expect(d).not.toContain("docs/");
  });

  it("no build step and no install scripts: one stage, with the runtime stage's guarantees", async () => {
    const found = await detectStack(await fixture("node-env-start"));
    const d = found.dockerfile;
    expect(d.match(/^FROM /gm)).toHaveLength(1);
    expect(d).not.toContain("AS build");
    // Root until the ownership change, then the unprivileged user installs production
    // dependencies without lifecycle scripts, then the sources over them.
    expect(stage(d, -1)).toContain(
      [
        "RUN chown node:node /app",
        "USER node",
        "COPY --chown=node:node package.json package-lock.json ./",
        "RUN npm ci --omit=dev --ignore-scripts",
        "COPY --chown=node:node . ./",
      ].join("\n"),
    );
    expect(d).not.toMatch(/^RUN npm ci$/m);
    expect(d).toContain("ENV NODE_ENV=production PATH=/app/node_modules/.bin:$PATH");
    // tini and corepack stay where they were: as root, before USER.
    const tini = stage((await detectStack(await fixture("node-and-start"))).dockerfile, -1);
    expect(tini.match(/^FROM /gm)).toHaveLength(1);
    expect(tini.indexOf("install -y --no-install-recommends tini")).toBeLessThan(
      tini.indexOf("USER node"),
    );
  });

  it("a committed node_modules keeps the build stage, which leaves it behind", async () => {
    const base = await fixture("node-env-start");
    const d = (await detectStack({ ...base, files: [...base.files, "node_modules/left/index.js"] }))
      .dockerfile;
    expect(d.match(/^FROM /gm)).toHaveLength(2);
    expect(stage(d, 0)).toContain("RUN find . -name node_modules -type d -prune -exec rm -rf {} +");
    expect(stage(d, -1)).toContain("COPY --from=build --chown=node:node /app ./");
    expect(stage(d, -1)).not.toContain("COPY --chown=node:node . ./");
  });

  it("prepare script (husky, a dev dependency): scripts run only where dev deps are", async () => {
    const d = (await detectStack(await fixture("node-prepare"))).dockerfile;
    expect(stage(d, 0)).toMatch(/^RUN npm ci$/m);
    expect(stage(d, -1)).toMatch(/^RUN npm ci --omit=dev --ignore-scripts$/m);
    expect(stage(d, -1)).not.toMatch(/^RUN npm ci --omit=dev$/m);
  });

  it("env-prefixed start: exec after the assignments, which reach the program", async () => {
    const found = await detectStack(await fixture("node-env-start"));
    const cmd = cmdOf(found.dockerfile);
    expect(cmd).toEqual([
      "/bin/sh",
      "-c",
      "GREETING=env-prefixed NODE_OPTIONS=--no-warnings exec node server.js",
    ]);
    expect(found.dockerfile).not.toContain("tini");
    // The same shape run for real: the variable is set and the shell is replaced.
    const script = cmd[2]!.replace("node server.js", () => `sh -c 'echo "$GREETING $$"'`);
    const run = await sh(`echo $$; ${script}`);
    const [shellPid, line] = run.stdout.trim().split("\n");
    expect(line).toBe(`env-prefixed ${shellPid}`);
  });

  it("`&&` start: run as written under tini, installed as root before USER", async () => {
    const found = await detectStack(await fixture("node-and-start"));
    const runtime = stage(found.dockerfile, -1);
    expect(cmdOf(found.dockerfile)).toEqual([
      "/usr/bin/tini",
      "-g",
      "--",
      "/bin/sh",
      "-c",
      "node migrate.js && node server.js",
    ]);
    const install = runtime.indexOf("apt-get install -y --no-install-recommends tini");
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(runtime.indexOf("USER node"));
    expect(found.facts).toContain("init: tini");
  });

  it("Procfile web line: the same rules", async () => {
    const simple = await detectStack(await fixture("procfile-node"));
    expect(cmdOf(simple.dockerfile)).toEqual(["/bin/sh", "-c", "exec node web.js --port $PORT"]);
    const go = await detectStack(
      tree({
        "go.mod": "module x\n\ngo 1.25\n",
        "main.go": "package main",
        Procfile: "web: /app/app migrate; /app/app serve --port $PORT\n",
      }),
    );
    expect(stage(go.dockerfile, -1)).toContain("RUN apk add --no-cache tini");
    expect(cmdOf(go.dockerfile)).toEqual([
      "/sbin/tini",
      "-g",
      "--",
      "/bin/sh",
      "-c",
      "/app/app migrate; /app/app serve --port $PORT",
    ]);
  });
});

describe("Go variants", () => {
  it("a Go 1.25 module builds on a supported release with GOTOOLCHAIN=auto", async () => {
    const found = await detectStack(await fixture("go-1.25"));
    expect(found.facts[0]).toBe("Go 1.26 (go.mod: go 1.25)");
    expect(stage(found.dockerfile, 0)).toContain(`FROM ${DEFAULT_BASE_IMAGES.go["1.26"]} AS build`);
    expect(stage(found.dockerfile, 0)).toContain("ENV GOTOOLCHAIN=auto");
  });

  it("a directive newer than every image uses the newest and fetches its toolchain", async () => {
    const found = await detectStack(
      tree({ "go.mod": "module x\n\ngo 1.28.1\n", "main.go": "package main" }),
    );
    expect(found.facts.slice(0, 2)).toEqual([
      "Go 1.27 (go.mod: go 1.28.1)",
      "toolchain go1.28.1 through GOTOOLCHAIN",
    ]);
    expect(stage(found.dockerfile, 0)).toContain(`FROM ${DEFAULT_BASE_IMAGES.go["1.27"]} AS build`);
  });
});

describe("Python variants", () => {
  it("Poetry 2 project ([project] table): Poetry 2.5.1 in its own venv", async () => {
    const found = await detectStack(await fixture("python-poetry2"));
    expect(found.facts.slice(0, 2)).toEqual(["Python 3.14", "poetry (poetry.lock)"]);
    const build = stage(found.dockerfile, 0);
    expect(build).toContain(`FROM ${DEFAULT_BASE_IMAGES.python["3.14"]} AS build`);
    expect(build).toContain(
      "RUN python -m venv /opt/tools && /opt/tools/bin/pip install --no-cache-dir poetry==2.5.1",
    );
    expect(build).toContain("/opt/tools/bin/poetry install --only main --no-root");
    expect(cmdOf(found.dockerfile)).toEqual(["/bin/sh", "-c", "exec python server.py"]);
    // Without a lockfile, the build backend tells Poetry.
    const unlocked = await detectStack(
      tree({
        "pyproject.toml":
          '[project]\nname = "x"\n[build-system]\nbuild-backend = "poetry.core.masonry.api"\n',
        "app.py": "",
      }),
    );
    expect(unlocked.facts[1]).toBe("poetry (pyproject.toml)");
    expect(unlocked.dockerfile).toContain("poetry==2.5.1");
  });

  it("uv: uv 0.13.8, the image's Python only", async () => {
    const d = (await detectStack(await fixture("python-uv"))).dockerfile;
    expect(d).toContain("/opt/tools/bin/pip install --no-cache-dir uv==0.13.8");
    expect(d).toContain("UV_PYTHON_DOWNLOADS=never");
    expect(d).toContain("uv sync --frozen --no-dev --no-install-project");
  });

  it("the current Python release is offered", async () => {
    const found = await detectStack(
      tree({ "requirements.txt": "", ".python-version": "3.15\n", "app.py": "" }),
    );
    expect(found.facts[0]).toBe("Python 3.15 (pinned)");
  });

  it("requirements.txt: a failed source build says how to add build dependencies", async () => {
    const d = (await detectStack(await fixture("python-pip"))).dockerfile;
    const script = runScript(d, "{ pip install");
    const dir = await tempDir();
    const fakePip = async (out: string, exit: number) => {
      await writeFile(join(dir, "out"), `${out}\n`);
      await writeFile(join(dir, "pip"), `#!/bin/sh\ncat ${dir}/out\nexit ${exit}\n`);
      await chmod(join(dir, "pip"), 0o755);
    };
    const run = () => sh(script.replaceAll("/tmp/", `${dir}/`), { PATH: `${dir}:/usr/bin:/bin` });
    await fakePip("error: command 'gcc' failed: No such file or directory", 1);
    const failed = await run();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("command 'gcc' failed"); // the output still streams
    expect(failed.stderr).toContain("no prebuilt wheel for Python 3.11");
    expect(failed.stderr).toContain("Aptfile");
    await fakePip("ERROR: No matching distribution found for nosuchpackage", 1);
    const other = await run();
    expect(other.code).toBe(1);
    expect(other.stderr).not.toContain("Aptfile");
    await fakePip("Successfully installed flask", 0);
    expect((await run()).code).toBe(0);
  });

  it("an Aptfile installs Debian packages in both stages; a bad line is refused", async () => {
    const files = { "requirements.txt": "psycopg2==2.9.10\n", "app.py": "" };
    const found = await detectStack(
      tree({ ...files, Aptfile: "# build\nbuild-essential\nlibpq-dev\n" }),
    );
    const apt =
      "RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev";
    expect(stage(found.dockerfile, 0)).toContain(apt);
    expect(stage(found.dockerfile, -1)).toContain(apt);
    const err = await detectStack(tree({ ...files, Aptfile: "libpq-dev; rm -rf /\n" })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as BuildFailedError).message).toMatch(/Aptfile: .* is not a Debian package name/);
    expect((err as BuildFailedError).hint).toMatch(/one Debian package per line/);
  });
});

describe("static variants", () => {
  it("a site with a dotfile: only site files are served, never dotfiles", async () => {
    const found = await detectStack(await fixture("static-dotfile"));
    const d = found.dockerfile;
    expect(stage(d, -1)).not.toMatch(/^COPY (?!--from=site)/m); // nothing from the repo directly
    // Run the generated copy for real over the fixture.
    const out = await tempDir();
    const script = runScript(d, "mkdir -p /site")
      .replaceAll("/site", out)
      .replace("cd /src", `cd ${join(FIXTURES, "static-dotfile")}`);
    expect((await sh(script)).code).toBe(0);
    const served = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => relative(out, join(e.parentPath, e.name)))
      .sort();
    expect(served).toEqual(["assets/site.css", "index.html"]);
  });

  it("fails the build when the site has no index.html after filtering", async () => {
    const d = (await detectStack(await fixture("static"))).dockerfile;
    const out = await tempDir();
    const empty = await tempDir();
    const script = runScript(d, "mkdir -p /site")
      .replaceAll("/site", out)
      .replace("cd /src", `cd ${empty}`);
    const run = await sh(script);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the site has no index.html");
  });

  it("SPA (static.json): nginx as nobody on $PORT; static.json is not in the site", async () => {
    const found = await detectStack(await fixture("static-spa"));
    expect(found.facts).toContain(SPA_FACT);
    const runtime = stage(found.dockerfile, -1);
    expect(runtime).toMatch(new RegExp(`^FROM ${DEFAULT_BASE_IMAGES.spa.replaceAll(".", "\\.")}\n`));
    expect(runtime).toContain("COPY --from=site --chown=65534:65534 /site /srv/www\n");
    expect(runtime).toContain("\nUSER 65534:65534\n");
    expect(runtime).not.toContain("httpd");
    // The same start in the official image (whose entrypoint is dropped) and the local one.
    expect(runtime).toContain("\nENTRYPOINT []\n");
    expect(cmdOf(found.dockerfile).slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    const out = await tempDir();
    const script = runScript(found.dockerfile, "mkdir -p /site")
      .replaceAll("/site", out)
      .replace("cd /src", `cd ${join(FIXTURES, "static-spa")}`);
    expect((await sh(script)).code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(["app.js", "index.html"]);
  });

  it("SPA: the image's nginx config template, written by its RUN line", async () => {
    const dir = await tempDir();
    const d = (await detectStack(await fixture("static-spa"))).dockerfile;
    const run = runScript(d, "printf").replace("/srv/nginx.conf.in", join(dir, "nginx.conf.in"));
    expect((await sh(run)).code).toBe(0);
    const conf = await readFile(join(dir, "nginx.conf.in"), "utf8");
    expect(conf).toBe(`${spaNginxConfig().join("\n")}\n`);
    expect(conf).toContain("    listen @PORT@;\n");
    expect(conf).toContain("    root /srv/www;\n");
    expect(conf).toContain("daemon off;\n");
    expect(conf).toContain("pid /tmp/nginx.pid;\n");
    // As nobody: no `user` directive, every temp folder under /tmp.
    expect(conf).not.toMatch(/^\s*user /m);
    expect(conf.match(/_temp_path \/tmp\//g)).toHaveLength(5);
    expect(conf).toContain("    location / { try_files $uri $uri/index.html /index.html; }\n");
  });

  it("SPA: deep links get the app, missing assets (site extensions and .map) stay 404", () => {
    const line = spaNginxConfig().find((l) => l.includes("=404"));
    const pattern = /location ~\* (\S+) \{ try_files \$uri =404; \}$/.exec(line ?? "")?.[1];
    expect(pattern).toBeDefined();
    // nginx's `~*` is a case-insensitive PCRE; this one reads the same in JavaScript.
    const asset = new RegExp(pattern!, "i");
    for (const path of ["/app.js.map", "/app.js", "/static.json", "/img/Logo.PNG", "/a.woff2"]) {
      expect(asset.test(path), path).toBe(true);
    }
    for (const path of ["/", "/orders/42/edit", "/users/ada.lovelace", "/v1.2/notes", "/.env"]) {
      expect(asset.test(path), path).toBe(false);
    }
  });

  it("SPA: the start command checks PORT, writes the config to /tmp and runs nginx", async () => {
    const dir = await tempDir();
    const d = (await detectStack(await fixture("static-spa"))).dockerfile;
    await sh(
      runScript(d, "printf").replace("/srv/nginx.conf.in", join(dir, "nginx.conf.in")),
    );
    // A stand-in nginx on PATH prints its arguments and the config it was given.
    await writeFile(
      join(dir, "nginx"),
      '#!/bin/sh\necho "nginx $*"\ncat "$4"\n',
    );
    await chmod(join(dir, "nginx"), 0o755);
    const start = cmdOf(d)[2]!
      .replace("/srv/nginx.conf.in", join(dir, "nginx.conf.in"))
      .replaceAll("/tmp/nginx.conf", join(dir, "nginx.conf"));
    const env = { PATH: `${dir}:/usr/bin:/bin` };
    const ok = await sh(start, { ...env, PORT: "5123" });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^nginx -e stderr -c ${dir}/nginx\\.conf\n`));
    expect(ok.stdout).toContain("    listen 5123;\n");
    expect(ok.stdout).not.toContain("@PORT@");
    for (const port of ["", "80; evil", "5000/x"]) {
      await rm(join(dir, "nginx.conf"), { force: true });
      const bad = await sh(start, { ...env, PORT: port });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`PORT must be a port number, not '${port}'`);
      expect(bad.stdout).toBe("");
      await expect(readFile(join(dir, "nginx.conf"))).rejects.toThrow(/ENOENT/);
    }
  });

  it("SPA auto-detected from a client-side router; a plain site stays on busybox httpd", async () => {
    const spa = await detectStack(
      tree({
        "package.json":
          '{"scripts":{"build":"vite build"},"dependencies":{"react-router-dom":"7"}}',
      }),
    );
    expect(spa.stack).toBe("static");
    expect(spa.facts).toContain(SPA_FACT);
    expect(stage(spa.dockerfile, -1)).toMatch(new RegExp(`^FROM ${DEFAULT_BASE_IMAGES.spa}`));
    const plain = await detectStack(await fixture("static"));
    expect(stage(plain.dockerfile, -1)).toMatch(new RegExp(`^FROM ${DEFAULT_BASE_IMAGES.static}`));
    expect(cmdOf(plain.dockerfile)).toEqual([
      "/bin/sh",
      "-c",
      'exec httpd -f -v -p "$PORT" -h /srv/www',
    ]);
    expect(plain.dockerfile).not.toContain("nginx");
    expect(plain.facts).not.toContain(SPA_FACT);
    const optOut = await detectStack(
      tree({
        "package.json": '{"scripts":{"build":"vite build"},"dependencies":{"vue-router":"4"}}',
        "static.json": '{"spa": false}',
      }),
    );
    expect(optOut.dockerfile).not.toContain("nginx");
    expect(cmdOf(optOut.dockerfile)[2]).toBe('exec httpd -f -v -p "$PORT" -h /srv/www');
  });
});

describe("base images", () => {
  it("no default runtime is past its end of life on the day the defaults were chosen", () => {
    expect(runtimesPastEndOfLife(DEFAULT_BASE_IMAGES, BASE_IMAGES_CHOSEN_ON)).toEqual([]);
    expect(BASE_IMAGES_CHOSEN_ON).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("names runtimes past their end of life, and unknown ones", () => {
    const old: BaseImages = {
      ...DEFAULT_BASE_IMAGES,
      node: { "20": "docker.io/library/node:20.18.1-bookworm-slim" },
      python: { "3.9": "docker.io/library/python:3.9-slim" },
      go: { "1.23": "docker.io/library/golang:1.23.4-bookworm" },
      goRuntime: "docker.io/library/alpine:3.21.0",
      spa: "docker.io/library/nginx:1.28-trixie",
    };
    expect(runtimesPastEndOfLife(old, "2026-12-03")).toEqual([
      "node 20 (end of life 2026-04-30)",
      "python 3.9 (no end-of-life date known)",
      "go 1.23 (no end-of-life date known)",
      "alpine 3.21 (end of life 2026-11-01)",
      "nginx 1.28 (end of life 2026-04-30)",
    ]);
    expect(runtimesPastEndOfLife(old, "2026-04-30")).toContain(
      "python 3.9 (no end-of-life date known)",
    );
    expect(runtimesPastEndOfLife(old, "2026-04-30")).not.toContain(
      "node 20 (end of life 2026-04-30)",
    );
  });

  it("deploy/ lists exactly these images for install.sh to pin (QS_BASE_IMAGES)", async () => {
    const kustomization = await readFile(
      join(import.meta.dirname, "../../../../deploy/base/kustomization.yaml"),
      "utf8",
    );
    const listed = /^ *- QS_BASE_IMAGES=(.*)$/m.exec(kustomization)?.[1]?.split(",");
    expect(listed).toEqual(baseImageList(DEFAULT_BASE_IMAGES));
  });

  it("install-time pins (name:tag@sha256) replace the image of the same name:tag", () => {
    const digest = `sha256:${"d".repeat(64)}`;
    const pinned = `${DEFAULT_BASE_IMAGES.node["24"]}@${digest}`;
    const images = resolveImages({
      pinned: [pinned, `docker.io/library/busybox:1.37.0@${digest}`, "not-pinned:1"],
    });
    expect(images.node["24"]).toBe(pinned);
    expect(images.node["22"]).toBe(DEFAULT_BASE_IMAGES.node["22"]);
    expect(images.static).toBe(`docker.io/library/busybox:1.37.0@${digest}`);
  });
});
