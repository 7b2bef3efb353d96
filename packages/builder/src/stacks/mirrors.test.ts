import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "@qs/core";
import { detectStack } from "./detect.ts";
import { checkBuildMirrors, mirrorBuildArgs, type BuildMirrors } from "./mirrors.ts";
import type { SourceTree } from "./types.ts";

const FIXTURES = join(import.meta.dirname, "../../../../test/fixtures/stacks");

function fixture(name: string): SourceTree {
  const root = join(FIXTURES, name);
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)));
  return {
    files,
    readFile: (path) =>
      Promise.resolve(files.includes(path) ? readFileSync(join(root, path)) : undefined),
  };
}

function tree(files: Record<string, string>): SourceTree {
  return {
    files: Object.keys(files),
    readFile: (path) => Promise.resolve(path in files ? Buffer.from(files[path]!) : undefined),
  };
}

/** The stage of a Dockerfile: 0 is the first FROM, -1 the last. */
function stage(dockerfile: string, index: number): string {
  return dockerfile.split(/^(?=FROM )/m).filter((s) => s.startsWith("FROM ")).at(index) ?? "";
}

const ALL: BuildMirrors = {
  npmRegistry: "http://10.0.0.5:4873/",
  pypiIndex: "https://pypi.example.internal/simple/",
  aptMirror: "http://apt.example.internal:3142/",
  apkMirror: "https://apk.example.internal/mirror/",
  goProxy: "https://goproxy.example.internal/",
};

describe("mirror settings", () => {
  it("refuses credentials, queries, other schemes and shell characters, naming the setting", () => {
    const refused = (m: BuildMirrors): string => {
      try {
        checkBuildMirrors(m);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).message + (err as ConfigError).problems.join("\n");
      }
      throw new Error("accepted");
    };
    const creds = refused({ npmRegistry: "https://bob:s3cret@npm.example.internal/" });
    expect(creds).toMatch(/QS_BUILD_NPM_REGISTRY: the URL carries credentials/);
    expect(creds).not.toContain("s3cret");
    expect(refused({ pypiIndex: "https://pypi.example.internal/simple/?token=x" })).toMatch(
      /QS_BUILD_PYPI_INDEX=.*no query/,
    );
    expect(refused({ aptMirror: "ftp://apt.example.internal/" })).toMatch(
      /QS_BUILD_APT_MIRROR=.*http:\/\/ or https:\/\//,
    );
    expect(refused({ apkMirror: 'http://apk.example.internal/$(id)"' })).toMatch(
      /QS_BUILD_APK_MIRROR=/,
    );
    expect(refused({ apkMirror: "http://a/x#y" })).toMatch(/QS_BUILD_APK_MIRROR=/);
    expect(refused({ npmRegistry: "not a url" })).toMatch(/QS_BUILD_NPM_REGISTRY=.*not a URL/);
    // Every bad one at once; nothing half-accepted.
    const both = refused({ npmRegistry: "x", pypiIndex: "y" });
    expect(both).toContain("QS_BUILD_NPM_REGISTRY");
    expect(both).toContain("QS_BUILD_PYPI_INDEX");
  });

  it("build args: one per set mirror, plus the host of plain-HTTP npm and PyPI mirrors", () => {
    expect(mirrorBuildArgs({})).toEqual({});
    expect(mirrorBuildArgs(ALL)).toEqual({
      QS_BUILD_NPM_REGISTRY: "http://10.0.0.5:4873/",
      QS_BUILD_NPM_REGISTRY_HTTP_HOST: "10.0.0.5",
      QS_BUILD_PYPI_INDEX: "https://pypi.example.internal/simple/",
      QS_BUILD_APT_MIRROR: "http://apt.example.internal:3142/",
      QS_BUILD_APK_MIRROR: "https://apk.example.internal/mirror/",
      QS_BUILD_GOPROXY: "https://goproxy.example.internal/",
    });
    expect(() => mirrorBuildArgs({ npmRegistry: "https://u:p@x/" })).toThrow(ConfigError);
  });
});

describe("generated Dockerfiles with mirrors", () => {
  const names = readdirSync(FIXTURES).filter((n) => n !== "unknown");

  it("without mirrors every fixture's Dockerfile is exactly as before (no ARG at all)", async () => {
    for (const name of names) {
      const plain = await detectStack(fixture(name));
      expect(await detectStack(fixture(name), { mirrors: {} }), name).toEqual(plain);
      expect(plain.dockerfile, name).not.toMatch(/^ARG /m);
    }
  });

  it("never writes a mirror's URL into the Dockerfile: values come as build args", async () => {
    for (const name of names) {
      const { dockerfile } = await detectStack(fixture(name), { mirrors: ALL });
      for (const url of Object.values(ALL)) expect(dockerfile, name).not.toContain(url);
    }
  });

  it("pnpm: corepack, pnpm and the app's packages come from the npm mirror in both stages", async () => {
    const found = await detectStack(
      tree({
        "package.json": '{"scripts":{"build":"tsc","start":"node dist/s.js"}}',
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
      }),
      { mirrors: { npmRegistry: "https://npm.example.internal/" } },
    );
    const args = [
      "ARG QS_BUILD_NPM_REGISTRY",
      "ARG NPM_CONFIG_REGISTRY=${QS_BUILD_NPM_REGISTRY}",
      "ARG COREPACK_NPM_REGISTRY=${QS_BUILD_NPM_REGISTRY}",
      "RUN npm install -g corepack@0.36.0 && corepack enable",
    ].join("\n");
    for (const i of [0, -1]) expect(stage(found.dockerfile, i)).toContain(args);
    expect(found.dockerfile).not.toContain("YARN_");
    expect(found.dockerfile).not.toContain("HTTP_HOST");
    expect(found.facts).toContain("package mirrors: QS_BUILD_NPM_REGISTRY");
  });

  it("npm: no corepack, the registry only", async () => {
    const d = (await detectStack(fixture("node-npm"), { mirrors: ALL })).dockerfile;
    expect(stage(d, -1)).toContain(
      "WORKDIR /app\nARG QS_BUILD_NPM_REGISTRY\nARG NPM_CONFIG_REGISTRY=${QS_BUILD_NPM_REGISTRY}\nRUN chown",
    );
    expect(d).not.toContain("COREPACK");
  });

  it("Yarn Berry over plain HTTP: Yarn's registry setting and its HTTP allowance for that host", async () => {
    const d = (await detectStack(fixture("node-yarn-berry"), { mirrors: ALL })).dockerfile;
    const runtime = stage(d, -1);
    expect(runtime).toContain("ARG YARN_NPM_REGISTRY_SERVER=${QS_BUILD_NPM_REGISTRY}");
    expect(runtime).toContain(
      "ARG QS_BUILD_NPM_REGISTRY_HTTP_HOST\nARG YARN_UNSAFE_HTTP_WHITELIST=${QS_BUILD_NPM_REGISTRY_HTTP_HOST}",
    );
    expect(runtime.indexOf("ARG YARN_NPM_REGISTRY_SERVER")).toBeLessThan(
      runtime.indexOf("RUN npm install -g corepack"),
    );
    const tls = (
      await detectStack(fixture("node-yarn-berry"), {
        mirrors: { npmRegistry: "https://npm.example.internal/" },
      })
    ).dockerfile;
    expect(tls).not.toContain("UNSAFE_HTTP");
  });

  it("uv: the locked versions and hashes, exported and installed from the index", async () => {
    const d = (await detectStack(fixture("python-uv"), { mirrors: ALL })).dockerfile;
    const build = stage(d, 0);
    expect(build).toContain(
      "ARG QS_BUILD_PYPI_INDEX\nARG PIP_INDEX_URL=${QS_BUILD_PYPI_INDEX}\nARG UV_DEFAULT_INDEX=${QS_BUILD_PYPI_INDEX}\nRUN python -m venv /opt/tools",
    );
    expect(build).toContain(
      "/opt/tools/bin/uv export --frozen --no-dev --no-emit-project --no-header --format requirements.txt",
    );
    expect(build).toContain("uv pip install --python /opt/venv/bin/python --require-hashes --no-deps");
    expect(build).not.toContain("uv sync");
    // https: pip needs no trusted host.
    expect(build).not.toContain("PIP_TRUSTED_HOST");
  });

  it("Poetry 2 with a lock: poetry export (its plugin) and pip from the index; plain HTTP trusted", async () => {
    const found = await detectStack(fixture("python-poetry2"), {
      mirrors: { pypiIndex: "http://10.0.0.5:3141/root/pypi/+simple/" },
    });
    const build = stage(found.dockerfile, 0);
    expect(build).toContain(
      "ARG QS_BUILD_PYPI_INDEX_HTTP_HOST\nARG PIP_TRUSTED_HOST=${QS_BUILD_PYPI_INDEX_HTTP_HOST}",
    );
    expect(build).toContain("pip install --no-cache-dir poetry==2.5.1 poetry-plugin-export==1.10.1");
    expect(build).toContain("/opt/tools/bin/poetry export --only main --format requirements.txt");
    expect(build).toContain("pip install --no-cache-dir --require-hashes --no-deps -r");
    expect(build).not.toContain("poetry install");
    expect(found.facts).toContain("package mirrors: QS_BUILD_PYPI_INDEX");
    expect(stage(found.dockerfile, -1)).not.toContain("ARG");
  });

  it("requirements.txt: pip reads the index from the environment, the command is unchanged", async () => {
    const d = (await detectStack(fixture("python-pip"), { mirrors: ALL })).dockerfile;
    expect(stage(d, 0)).toContain(
      "ARG PIP_INDEX_URL=${QS_BUILD_PYPI_INDEX}\nCOPY requirements.txt ./",
    );
    expect(d).toContain("pip install --no-cache-dir -r requirements.txt");
  });

  it("Go: modules and toolchains come through the proxy in the build stage, before go mod download", async () => {
    const go = await detectStack(fixture("go-modules"), { mirrors: ALL });
    const build = stage(go.dockerfile, 0);
    expect(build).toContain("ENV GOTOOLCHAIN=auto\nARG QS_BUILD_GOPROXY\nARG GOPROXY=${QS_BUILD_GOPROXY}\nCOPY go.mod go.sum ./\nRUN go mod download");
    // ARG, not ENV: the proxy's address stays out of the image's config, and the runtime
    // stage (no Go) gets nothing.
    expect(go.dockerfile).not.toMatch(/^ENV GOPROXY/m);
    expect(stage(go.dockerfile, -1)).not.toContain("GOPROXY");
    expect(go.facts).toContain("package mirrors: QS_BUILD_GOPROXY");
    // Other stacks never see it.
    const node = await detectStack(fixture("node-and-start"), { mirrors: ALL });
    expect(node.dockerfile).not.toContain("GOPROXY");
    expect(node.facts.join("\n")).not.toContain("QS_BUILD_GOPROXY");
  });

  it("tini: apt's sources point at the mirror first, as root before USER; apk likewise", async () => {
    const node = await detectStack(fixture("node-and-start"), { mirrors: ALL });
    const runtime = stage(node.dockerfile, -1);
    expect(runtime).toMatch(/ARG QS_BUILD_APT_MIRROR\nRUN find \/etc\/apt .* apt-get update && /);
    expect(runtime.indexOf("ARG QS_BUILD_APT_MIRROR")).toBeLessThan(runtime.indexOf("USER node"));
    expect(node.facts).toContain("package mirrors: QS_BUILD_NPM_REGISTRY, QS_BUILD_APT_MIRROR");
    const go = await detectStack(
      tree({
        "go.mod": "module x\n\ngo 1.25\n",
        "main.go": "package main",
        Procfile: "web: /app/app migrate && /app/app serve\n",
      }),
      { mirrors: ALL },
    );
    expect(stage(go.dockerfile, -1)).toMatch(
      /ARG QS_BUILD_APK_MIRROR\nRUN find \/etc\/apk\/repositories .* apk add --no-cache tini/,
    );
    // No tini, no apt mirror line.
    const simple = (await detectStack(fixture("node-env-start"), { mirrors: ALL })).dockerfile;
    expect(simple).not.toContain("APT_MIRROR");
  });

  it("the source rewrite really points apt and apk at the mirror, keeping the archive paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qs-mirror-"));
    try {
      mkdirSync(join(dir, "etc/apt/sources.list.d"), { recursive: true });
      mkdirSync(join(dir, "etc/apk"), { recursive: true });
      writeFileSync(join(dir, "etc/apt/sources.list"), "deb http://archive.invalid/debian trixie main\n");
      writeFileSync(
        join(dir, "etc/apt/sources.list.d/debian.sources"),
        [
          "Types: deb",
          "URIs: http://archive.invalid/debian",
          "Suites: trixie trixie-updates",
          "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg",
          "",
          "Types: deb",
          "URIs: https://security.invalid/debian-security",
          "Suites: trixie-security",
          "",
        ].join("\n"),
      );
      writeFileSync(join(dir, "etc/apk/repositories"), "https://cdn.invalid/alpine/v3.22/main\n");
      const run = async (files: Record<string, string>, mirror: string, env: string) => {
        const d = (await detectStack(tree(files), { mirrors: ALL })).dockerfile;
        const line = d.split("\n").find((l) => l.startsWith("RUN find /etc/ap")) ?? "";
        const rewrite = line
          .slice("RUN ".length, line.indexOf(" && ") + 1)
          .replaceAll("/etc/ap", `${dir}/etc/ap`);
        execFileSync("/bin/sh", ["-c", rewrite], { env: { PATH: process.env.PATH, [env]: mirror } });
      };
      await run(
        { "package.json": '{"scripts":{"start":"a && b"}}' },
        "http://apt.example.internal:3142/",
        "QS_BUILD_APT_MIRROR",
      );
      expect(readFileSync(join(dir, "etc/apt/sources.list"), "utf8")).toBe(
        "deb http://apt.example.internal:3142/debian trixie main\n",
      );
      const sources = readFileSync(join(dir, "etc/apt/sources.list.d/debian.sources"), "utf8");
      expect(sources).toContain("URIs: http://apt.example.internal:3142/debian\n");
      expect(sources).toContain("URIs: http://apt.example.internal:3142/debian-security\n");
      expect(sources).toContain("Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg");
      await run(
        { "go.mod": "module x\n", "main.go": "", Procfile: "web: a; b\n" },
        "https://apk.example.internal/mirror",
        "QS_BUILD_APK_MIRROR",
      );
      expect(readFileSync(join(dir, "etc/apk/repositories"), "utf8")).toBe(
        "https://apk.example.internal/mirror/alpine/v3.22/main\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
