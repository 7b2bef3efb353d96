import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { BuildFailedError } from "@qs/core";
import { detectStack } from "./detect.ts";
import { DEFAULT_BASE_IMAGES } from "./images.ts";
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

/** Checks every generated Dockerfile shares the rules: pinned images, non-root, PORT. */
function expectWellFormed(dockerfile: string): void {
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1] ?? "");
  expect(froms.length).toBeGreaterThan(0);
  for (const image of froms)
    expect(image).toMatch(/^docker\.io\/library\/[a-z]+:\d+(\.\d+){0,2}(-[a-z]+)*$/);
  const final = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  expect(final).toMatch(/^USER (node|10001|65534:65534)$/m);
  expect(final).not.toMatch(/^USER (root|0)\b/m);
  expect(final).toMatch(/^ENV PORT=5000$/m);
  expect(final).toMatch(/^CMD \[/m);
  // Never `exec` before a variable assignment or a compound command.
  expect(dockerfile).not.toMatch(/exec [A-Za-z_][A-Za-z0-9_]*=/);
  expect(dockerfile.endsWith("\n")).toBe(true);
}

describe("detectStack", () => {
  it("node + npm: lockfile, engines.node, build and start scripts, multi-stage", async () => {
    const found = await detectStack(await fixture("node-npm"));
    expect(found.stack).toBe("node");
    expect(found.facts).toEqual([
      "Node 22 (engines.node >=20 <23)",
      "npm (package-lock.json)",
      "build script: npm run build",
      "start: node server.js",
    ]);
    const d = found.dockerfile;
    expect(d).toContain(`FROM ${DEFAULT_BASE_IMAGES.node["22"]} AS build`);
    expect(d).toContain(
      "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build",
    );
    expect(d).toContain("RUN npm ci --omit=dev --ignore-scripts");
    expect(d).toContain("COPY --from=build --chown=node:node /app ./");
    expect(d).toContain('CMD ["/bin/sh","-c","exec node server.js"]');
    expectWellFormed(d);
  });

  it("node + yarn: picks the Node major from engines and starts main", async () => {
    const found = await detectStack(await fixture("node-yarn"));
    expect(found.facts[0]).toBe("Node 22 (engines.node 22.x)");
    const corepack = "RUN npm install -g corepack@0.36.0 && corepack enable";
    // No build step: one stage. corepack writes to /usr/local/bin: it runs before USER node.
    expect(found.dockerfile).toContain(
      `${corepack}\nRUN chown node:node /app\nUSER node\nCOPY --chown=node:node package.json yarn.lock ./\nRUN yarn install --frozen-lockfile --production --ignore-scripts\n`,
    );
    // With one, the build stage installs everything first.
    const base = await fixture("node-yarn");
    const built = await detectStack({
      ...base,
      readFile: async (path) =>
        path === "package.json"
          ? Buffer.from('{"main":"./app.js","scripts":{"build":"node b.js"}}')
          : base.readFile(path),
    });
    expect(built.dockerfile).toContain(
      `${corepack}\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n`,
    );
    expect(found.dockerfile).toContain('"exec node ./app.js"');
    expect(found.dockerfile).not.toContain("run build");
    expectWellFormed(found.dockerfile);
  });

  it("node + Yarn Berry (.yarnrc.yml): --immutable, production focus", async () => {
    const files: Record<string, string> = {
      "package.json": '{"scripts":{"build":"node b.js","start":"node s.js"}}',
      "yarn.lock": "__metadata:\n  version: 8\n",
      ".yarnrc.yml": "nodeLinker: node-modules\n",
    };
    const found = await detectStack({
      files: Object.keys(files),
      readFile: (path) => Promise.resolve(path in files ? Buffer.from(files[path]!) : undefined),
    });
    expect(found.dockerfile).toContain(
      "COPY package.json yarn.lock .yarnrc.yml ./\nRUN yarn install --immutable\n",
    );
    expect(found.dockerfile).toContain(
      "RUN YARN_ENABLE_SCRIPTS=false yarn workspaces focus --all --production",
    );
    expectWellFormed(found.dockerfile);
  });

  it("node + pnpm on Node 24", async () => {
    const found = await detectStack(await fixture("node-pnpm"));
    expect(found.dockerfile).toContain(`FROM ${DEFAULT_BASE_IMAGES.node["24"]}`);
    expect(found.dockerfile).toContain("npm install -g corepack@0.36.0 && corepack enable");
    expect(found.dockerfile).toContain("pnpm install --frozen-lockfile --prod --ignore-scripts");
    expectWellFormed(found.dockerfile);
  });

  it("node without a start script but with a build serves the build output", async () => {
    const found = await detectStack(await fixture("node-static"));
    expect(found.stack).toBe("static");
    expect(found.dockerfile).toContain("RUN npm run build");
    expect(found.dockerfile).toContain(`FROM ${DEFAULT_BASE_IMAGES.static}\nCOPY --from=build`);
    expect(found.dockerfile).toContain('httpd -f -v -p \\"$PORT\\" -h /srv/www"]');
    expect(found.dockerfile).toContain("RUN mkdir -p /site && cd /out");
    expectWellFormed(found.dockerfile);
  });

  it("a Procfile web command replaces the start script", async () => {
    const found = await detectStack(await fixture("procfile-node"));
    expect(found.dockerfile).toContain('CMD ["/bin/sh","-c","exec node web.js --port $PORT"]');
    expect(found.dockerfile).not.toContain("ignored.js");
    expect(found.facts).toContain("web command from Procfile");
  });

  it("python + requirements.txt + gunicorn, version from runtime.txt", async () => {
    const found = await detectStack(await fixture("python-pip"));
    expect(found.stack).toBe("python");
    expect(found.facts).toEqual([
      "Python 3.11 (pinned)",
      "pip (requirements.txt)",
      "start: gunicorn app:app --bind 0.0.0.0:$PORT",
    ]);
    expect(found.dockerfile).toContain(`FROM ${DEFAULT_BASE_IMAGES.python["3.11"]} AS build`);
    expect(found.dockerfile).toContain(
      "RUN { pip install --no-cache-dir -r requirements.txt 2>&1;",
    );
    expect(found.dockerfile).toContain("COPY --from=build /opt/venv /opt/venv");
    expectWellFormed(found.dockerfile);
  });

  it("python + uv.lock + uvicorn", async () => {
    const found = await detectStack(await fixture("python-uv"));
    expect(found.facts.slice(0, 2)).toEqual(["Python 3.13 (pinned)", "uv (uv.lock)"]);
    expect(found.dockerfile).toContain("/opt/tools/bin/pip install --no-cache-dir uv==0.13.8");
    expect(found.dockerfile).toContain("uv sync --frozen --no-dev --no-install-project");
    expect(found.dockerfile).toContain('"exec uvicorn main:app --host 0.0.0.0 --port $PORT"');
    expectWellFormed(found.dockerfile);
  });

  it("python + poetry, start from the Procfile", async () => {
    const found = await detectStack(await fixture("python-poetry"));
    expect(found.facts[1]).toBe("poetry (poetry.lock)");
    expect(found.dockerfile).toContain("COPY pyproject.toml poetry.lock ./");
    expect(found.dockerfile).toContain("poetry install --only main --no-root");
    expect(found.dockerfile).toContain(
      '"exec gunicorn wsgi:application --bind 0.0.0.0:$PORT --workers 2"',
    );
    expect(found.dockerfile).not.toContain("migrate.py");
    expectWellFormed(found.dockerfile);
  });

  it("go module at the root: static binary on a small runtime", async () => {
    const found = await detectStack(await fixture("go"));
    expect(found.stack).toBe("go");
    expect(found.facts).toEqual(["Go 1.26 (go.mod: go 1.22)", "main package: ."]);
    expect(found.dockerfile).toContain(`FROM ${DEFAULT_BASE_IMAGES.go["1.26"]} AS build`);
    expect(found.dockerfile).toContain("COPY go.mod ./");
    expect(found.dockerfile).toContain(
      'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .',
    );
    expect(found.dockerfile).toContain(`FROM ${DEFAULT_BASE_IMAGES.goRuntime}`);
    expect(found.dockerfile).toContain('"exec /app/app"');
    expectWellFormed(found.dockerfile);
  });

  it("go with cmd/<name>, newer go directive and a Procfile", async () => {
    const found = await detectStack(await fixture("go-cmd"));
    expect(found.facts[0]).toBe("Go 1.26 (go.mod: go 1.23.2)");
    expect(found.dockerfile).toContain("COPY go.mod go.sum ./");
    expect(found.dockerfile).toContain("-o /out/app ./cmd/api");
    expect(found.dockerfile).toContain('"exec /app/app --listen :$PORT"');
  });

  it("static site at the root and in a build output folder", async () => {
    const root = await detectStack(await fixture("static"));
    expect(root.stack).toBe("static");
    expect(root.dockerfile).toContain("COPY . /src\nRUN mkdir -p /site && cd /src");
    expect(root.dockerfile).toContain("COPY --from=site --chown=65534:65534 /site /srv/www");
    expectWellFormed(root.dockerfile);
    const dist = await detectStack(await fixture("static-dist"));
    expect(dist.facts[0]).toBe("site in dist/");
    expect(dist.dockerfile).toContain("COPY dist/ /src\n");
  });

  it("fails on an undetectable repo, listing the files looked for", async () => {
    const err = await detectStack(await fixture("unknown")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as BuildFailedError).hint).toMatch(
      /looked for: Dockerfile, go\.mod, requirements\.txt, pyproject\.toml, package\.json, index\.html/,
    );
  });

  it("uses overridden images (e.g. pinned by digest)", async () => {
    const pinned = "docker.io/library/node:22.12.0-trixie-slim@sha256:" + "a".repeat(64);
    const found = await detectStack(await fixture("node-npm"), {
      images: { node: { "22": pinned } },
    });
    expect(found.dockerfile).toContain(`FROM ${pinned} AS build`);
  });

  it("refuses engines.node that no supported image satisfies", async () => {
    const tree: SourceTree = {
      files: ["package.json"],
      readFile: (path) =>
        Promise.resolve(
          path === "package.json"
            ? Buffer.from('{"engines":{"node":"<18"},"scripts":{"start":"node x"}}')
            : undefined,
        ),
    };
    await expect(detectStack(tree)).rejects.toThrow(
      /engines.node "<18" matches no supported Node version/,
    );
  });
});
