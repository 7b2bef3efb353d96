import { Job } from "kubernetes-models/batch/v1/Job";
import { describe, expect, it } from "vitest";
import { isDns1123Label } from "@qs/core";
import { buildBuildkitJob } from "./buildkit-job.ts";
import { parseBuilderDigest } from "./digest.ts";
import { buildKanikoJob } from "./kaniko-job.ts";
import {
  DEFAULT_BUILDER_IMAGES,
  resolveBuilderJobOptions,
  type BuildJobInput,
  unpinnedBuilderImages,
} from "./options.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const input: BuildJobInput = {
  app: "shop",
  buildId: "b1x2y3",
  gitSha: "0123456789abcdef0123456789abcdef01234567",
  destination: "registry.qs-system.svc:5000/shop:0123456789ab",
  cacheRepo: "registry.qs-system.svc:5000/shop/cache",
  context: {
    url: "http://qs.qs-system.svc:8081/contexts/b1x2y3?token=t0k3n",
    sha256: "c".repeat(64),
  },
  dockerfile: { path: "Dockerfile" },
};

type AnyJob = {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    ttlSecondsAfterFinished: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        nodeSelector?: Record<string, string>;
        initContainers: {
          name: string;
          image: string;
          command: string[];
          env: { name: string; value: string }[];
        }[];
        containers: {
          name: string;
          image: string;
          command?: string[];
          args: string[];
          env?: { name: string; value: string }[];
          securityContext?: Record<string, unknown>;
          terminationMessagePolicy: string;
          volumeMounts: { name: string; mountPath: string }[];
        }[];
        volumes: { name: string; secret?: { secretName: string } }[];
      };
    };
  };
};

/** Validates against the official Kubernetes OpenAPI schemas (kubernetes-models). */
function validate(manifest: Readonly<Record<string, unknown>>): AnyJob {
  expect(() => new Job(manifest as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
  return manifest as unknown as AnyJob;
}

describe("buildKanikoJob", () => {
  it("is a schema-valid Job with the shared rules", () => {
    const request = buildKanikoJob(input, { nodeSelector: { "qs/builds": "yes" } });
    const job = validate(request.manifest);
    expect(request.namespace).toBe("qs-builds");
    expect(request.containers).toEqual(["fetch-context", "build"]);
    expect(request.builderContainer).toBe("build");
    expect(isDns1123Label(job.metadata.name)).toBe(true);
    expect(job.metadata.name).toBe("shop-build-b1x2y3");
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(900);
    expect(job.spec.ttlSecondsAfterFinished).toBe(600);
    expect(job.spec.template.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "quickstack",
      "app.kubernetes.io/component": "build",
      "quickstack.dev/app": "shop",
      "quickstack.dev/build": "b1x2y3",
    });
    expect(job.spec.template.spec.nodeSelector).toEqual({ "qs/builds": "yes" });
  });

  it("fetches, verifies and unpacks the context in the init container", () => {
    const job = validate(buildKanikoJob(input).manifest);
    const init = job.spec.template.spec.initContainers[0]!;
    expect(init.image).toBe(DEFAULT_BUILDER_IMAGES.fetch);
    const script = init.command[2]!;
    expect(script).toContain('wget -q -T 60 -O /qs-build/context.tar "$QS_CONTEXT_URL"');
    expect(script).toContain("sha256sum -c");
    expect(script).toContain("tar -xf /qs-build/context.tar -C /qs-build/context");
    expect(init.env).toContainEqual({ name: "QS_CONTEXT_SHA256", value: "c".repeat(64) });
  });

  it("runs Kaniko with registry cache, mounted credentials and the digest file", () => {
    const job = validate(
      buildKanikoJob(input, { insecureRegistry: true, timeoutSeconds: 60 }).manifest,
    );
    const builder = job.spec.template.spec.containers[0]!;
    expect(builder.image).toBe(DEFAULT_BUILDER_IMAGES.kaniko);
    expect(builder.args).toEqual(
      expect.arrayContaining([
        "--context=dir:///qs-build/context",
        "--dockerfile=/qs-build/context/Dockerfile",
        `--destination=${input.destination}`,
        "--cache=true",
        `--cache-repo=${input.cacheRepo}`,
        "--digest-file=/dev/termination-log",
        "--snapshot-mode=redo",
        "--compressed-caching=false",
      ]),
    );
    expect(builder.volumeMounts).toContainEqual({
      name: "registry-auth",
      mountPath: "/kaniko/.docker",
      readOnly: true,
    });
    expect(job.spec.template.spec.volumes).toContainEqual(
      expect.objectContaining({
        name: "registry-auth",
        secret: expect.objectContaining({ secretName: "qs-registry-push" }),
      }),
    );
    expect(job.spec.activeDeadlineSeconds).toBe(60);
    expect(JSON.stringify(job)).not.toMatch(/password|auth":/i);
  });

  it("writes a generated Dockerfile beside the context", () => {
    const job = validate(
      buildKanikoJob({ ...input, dockerfile: { generated: "FROM scratch\n" } }).manifest,
    );
    const init = job.spec.template.spec.initContainers[0]!;
    expect(init.env).toContainEqual({ name: "QS_DOCKERFILE", value: "FROM scratch\n" });
    expect(init.command[2]).toContain("> /qs-build/generated/Dockerfile");
    expect(job.spec.template.spec.containers[0]!.args).toContain(
      "--dockerfile=/qs-build/generated/Dockerfile",
    );
  });

  it("trusts plain HTTP for our registry only, never for every registry", () => {
    const job = validate(buildKanikoJob(input, { insecureRegistry: true }).manifest);
    const args = job.spec.template.spec.containers[0]!.args;
    // One flag for the one host of destination and cache repo.
    expect(args.filter((a) => a.startsWith("--insecure-registry="))).toEqual([
      "--insecure-registry=registry.qs-system.svc:5000",
    ]);
    for (const blanket of ["--insecure", "--insecure-pull", "--skip-tls-verify"])
      expect(args).not.toContain(blanket);
    const secure = validate(buildKanikoJob(input).manifest).spec.template.spec.containers[0]!;
    expect(secure.args.filter((a) => a.startsWith("--insecure"))).toEqual([]);
  });

  it("mounts the context away from /workspace, which Kaniko uses itself", () => {
    const job = validate(buildKanikoJob(input).manifest);
    const pod = job.spec.template.spec;
    const paths = [...pod.initContainers, ...pod.containers].flatMap((c) =>
      (c as { volumeMounts: { mountPath: string }[] }).volumeMounts.map((m) => m.mountPath),
    );
    expect(paths).toContain("/qs-build");
    expect(paths.filter((p) => p === "/workspace" || p.startsWith("/workspace/"))).toEqual([]);
    expect(JSON.stringify(pod)).not.toContain("/workspace");
  });

  it("limits the builder's ephemeral storage (default and configured)", () => {
    const limits = (options: Parameters<typeof buildKanikoJob>[1]) =>
      (
        validate(buildKanikoJob(input, options).manifest).spec.template.spec
          .containers[0] as unknown as {
          resources: { limits: Record<string, string> };
        }
      ).resources.limits;
    expect(limits({})).toEqual({ cpu: "2", memory: "4Gi", "ephemeral-storage": "10Gi" });
    expect(limits({ ephemeralStorageLimit: "30Gi" })["ephemeral-storage"]).toBe("30Gi");
    const buildkit = validate(buildBuildkitJob(input).manifest).spec.template.spec.containers[0];
    expect(
      (buildkit as unknown as { resources: { limits: Record<string, string> } }).resources.limits,
    ).toMatchObject({ "ephemeral-storage": "10Gi" });
  });

  it("takes configured images (e.g. pinned by digest)", () => {
    const kaniko = `example.org/kaniko:v1@${DIGEST}`;
    const job = validate(buildKanikoJob(input, { images: { kaniko } }).manifest);
    expect(job.spec.template.spec.containers[0]!.image).toBe(kaniko);
  });
});

describe("registry mirror", () => {
  it("sends Kaniko's docker.io pulls to the mirror, plain HTTP for that host only", () => {
    const args = (options: Parameters<typeof buildKanikoJob>[1]) =>
      validate(buildKanikoJob(input, options).manifest).spec.template.spec.containers[0]!.args;
    expect(args({}).filter((a) => a.startsWith("--registry-mirror"))).toEqual([]);
    const plain = args({ registryMirror: "http://mirror.qs-system.svc:5000" });
    expect(plain).toContain("--registry-mirror=mirror.qs-system.svc:5000");
    expect(plain).toContain("--insecure-registry=mirror.qs-system.svc:5000");
    const tls = args({ registryMirror: "https://mirror.example.com" });
    expect(tls).toContain("--registry-mirror=mirror.example.com");
    expect(tls.filter((a) => a.startsWith("--insecure"))).toEqual([]);
    // Our own registry as the mirror: one --insecure-registry for the one host.
    const same = args({
      insecureRegistry: true,
      registryMirror: "http://registry.qs-system.svc:5000",
    });
    expect(same.filter((a) => a.startsWith("--insecure-registry="))).toEqual([
      "--insecure-registry=registry.qs-system.svc:5000",
    ]);
  });

  it("gives rootless BuildKit a buildkitd.toml with the mirror", async () => {
    const none = validate(buildBuildkitJob(input).manifest).spec.template.spec.containers[0]!;
    expect(JSON.stringify(none)).not.toContain("mirror");
    const builder = validate(
      buildBuildkitJob(input, { registryMirror: "http://registry.qs-system.svc:5000" }).manifest,
    ).spec.template.spec.containers[0]! as unknown as {
      command: string[];
      args: string[];
      env: { name: string; value: string }[];
    };
    const env = Object.fromEntries(builder.env.map((e) => [e.name, e.value]));
    expect(env.BUILDKITD_FLAGS).toBe(
      "--oci-worker-no-process-sandbox --config=/qs-build/buildkitd.toml",
    );
    expect(env.QS_BUILDKITD_CONFIG).toBe(
      '[registry."docker.io"]\n  mirrors = ["registry.qs-system.svc:5000"]\n[registry."registry.qs-system.svc:5000"]\n  http = true\n',
    );
    // The wrapper really writes the file before starting BuildKit.
    const { mkdtemp, writeFile, readFile, chmod } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { execFileSync } = await import("node:child_process");
    const dir = await mkdtemp(`${tmpdir()}/qs-buildkitd-`);
    const rewrite = (s: string) =>
      s.replaceAll("/qs-build", dir).replaceAll("/dev/termination-log", `${dir}/termination-log`);
    await writeFile(
      `${dir}/buildctl-daemonless.sh`,
      `#!/bin/sh\ncp ${dir}/buildkitd.toml ${dir}/seen\necho '{}' > ${dir}/buildkit-metadata.json\n`,
    );
    await chmod(`${dir}/buildctl-daemonless.sh`, 0o755);
    const [sh, ...rest] = builder.command.map(rewrite);
    execFileSync(sh!, [...rest, ...builder.args.map(rewrite)], {
      env: { PATH: `${dir}:/usr/bin:/bin`, QS_BUILDKITD_CONFIG: env.QS_BUILDKITD_CONFIG },
    });
    expect(await readFile(`${dir}/seen`, "utf8")).toBe(env.QS_BUILDKITD_CONFIG);
  });

  it("refuses a mirror that is not http(s)://host[:port]", () => {
    for (const bad of [
      "registry:5000",
      "ftp://mirror",
      "https://mirror/docker",
      "https://u:p@mirror",
    ]) {
      expect(() => buildKanikoJob(input, { registryMirror: bad })).toThrow(
        /expected http:\/\/host\[:port\] or https:\/\/host\[:port\]/,
      );
    }
  });
});

describe("buildBuildkitJob", () => {
  it("runs rootless daemonless BuildKit with registry cache", () => {
    const job = validate(
      buildBuildkitJob({ ...input, dockerfile: { path: "docker/prod.Dockerfile" } }).manifest,
    );
    const builder = job.spec.template.spec.containers[0]!;
    expect(builder.image).toBe(DEFAULT_BUILDER_IMAGES.buildkit);
    expect(builder.command?.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(builder.command?.[2]).toMatch(/^buildctl-daemonless\.sh "\$@" && /);
    expect(builder.args).toEqual(
      expect.arrayContaining([
        "build",
        "--local=context=/qs-build/context",
        "--local=dockerfile=/qs-build/context/docker",
        "--opt=filename=prod.Dockerfile",
        `--output=type=image,name=${input.destination},push=true`,
        `--import-cache=type=registry,ref=${input.cacheRepo}`,
        `--export-cache=type=registry,ref=${input.cacheRepo},mode=max`,
      ]),
    );
    expect(builder.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: "Unconfined" },
      appArmorProfile: { type: "Unconfined" },
    });
    expect(builder.securityContext).not.toHaveProperty("privileged");
    expect(job.spec.backoffLimit).toBe(0);
    // buildctl-daemonless.sh waits (100 + 20·try) ms per try for buildkitd, tries 0..max:
    // about 30 s in all, where its default of 10 gives up after 2.2 s.
    expect(builder.env).toContainEqual({ name: "BUILDCTL_CONNECT_RETRIES_MAX", value: "50" });
    const waitedMs = Array.from({ length: 51 }, (_, i) => 100 + 20 * i).reduce((a, b) => a + b);
    expect(waitedMs).toBeGreaterThan(25_000);
  });
});

describe("BuildKit metadata", () => {
  it("goes to a file of our own, copied to the termination log after the build", async () => {
    // buildctl writes <target>.tmp and renames it over the target: impossible in /dev.
    const builder = validate(buildBuildkitJob(input).manifest).spec.template.spec.containers[0]!;
    const metadata = builder.args.find((a) => a.startsWith("--metadata-file="));
    expect(metadata).toBe("--metadata-file=/qs-build/buildkit-metadata.json");
    expect(builder.args.join(" ")).not.toContain("/dev/termination-log");
    expect(builder.volumeMounts).toContainEqual({ name: "workspace", mountPath: "/qs-build" });
    // Run the wrapper for real with a stand-in buildctl-daemonless.sh: it passes the args
    // on, and copies the metadata only when the build succeeded.
    const { mkdtemp, writeFile, readFile, chmod } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { execFile } = await import("node:child_process");
    const dir = await mkdtemp(`${tmpdir()}/qs-buildkit-`);
    const rewrite = (s: string) =>
      s.replaceAll("/qs-build", dir).replaceAll("/dev/termination-log", `${dir}/termination-log`);
    const run = (exit: number) =>
      new Promise<number>((resolve) => {
        const fake = `#!/bin/sh\necho "$@" > ${dir}/args\necho '{"containerimage.digest":"${DIGEST}"}' > ${dir}/buildkit-metadata.json\nexit ${exit}\n`;
        void writeFile(`${dir}/buildctl-daemonless.sh`, fake)
          .then(() => chmod(`${dir}/buildctl-daemonless.sh`, 0o755))
          .then(() => {
            const [sh, ...rest] = builder.command!.map(rewrite);
            execFile(sh!, [...rest, ...builder.args.map(rewrite)], {
              env: { PATH: `${dir}:/usr/bin:/bin` },
            }).on("exit", (code) => resolve(code ?? -1));
          });
      });
    expect(await run(1)).toBe(1);
    await expect(readFile(`${dir}/termination-log`)).rejects.toThrow();
    expect(await run(0)).toBe(0);
    const message = await readFile(`${dir}/termination-log`, "utf8");
    expect(parseBuilderDigest("buildkit", message)).toBe(DIGEST);
    expect(await readFile(`${dir}/args`, "utf8")).toMatch(/^build --frontend=dockerfile\.v0 /);
  });
});

describe("parseBuilderDigest", () => {
  it("reads Kaniko's digest file and BuildKit's metadata", () => {
    expect(parseBuilderDigest("kaniko", `${DIGEST}\n`)).toBe(DIGEST);
    expect(
      parseBuilderDigest("buildkit", JSON.stringify({ "containerimage.digest": DIGEST })),
    ).toBe(DIGEST);
    expect(parseBuilderDigest("kaniko", "error: something failed")).toBeUndefined();
    expect(parseBuilderDigest("buildkit", "not json")).toBeUndefined();
    expect(parseBuilderDigest("kaniko", undefined)).toBeUndefined();
  });
});

describe("schema validation", () => {
  it("catches a malformed Job (so the checks above can fail)", () => {
    const manifest = buildKanikoJob(input).manifest as unknown as AnyJob;
    const broken = { ...manifest, spec: { ...manifest.spec, backoffLimit: "none" } };
    expect(() =>
      new Job(broken as unknown as ConstructorParameters<typeof Job>[0]).validate(),
    ).toThrow();
  });
});

describe("failureOf", () => {
  it("tells a failed build from a builder that could not start", async () => {
    const { failureOf } = await import("../queue/build-worker.ts");
    expect(
      failureOf({ succeeded: false, container: "build", exitCode: 2, reason: "Error" }, "build")
        .message,
    ).toBe("the build failed: the builder exited with code 2 (Error)");
    const pull = failureOf(
      { succeeded: false, container: "build", exitCode: -1, reason: "ImagePullBackOff" },
      "build",
    );
    expect(pull.message).toBe("the builder could not start (ImagePullBackOff)");
    expect(pull.hint).toMatch(/QS_BUILDER_\*_IMAGE/);
  });
});

describe("unpinnedBuilderImages", () => {
  const digest = `sha256:${"b".repeat(64)}`;
  it("names every built-in image, since they are exact tags without a digest", () => {
    expect(unpinnedBuilderImages(DEFAULT_BUILDER_IMAGES)).toEqual([
      `kaniko=${DEFAULT_BUILDER_IMAGES.kaniko}`,
      `buildkit=${DEFAULT_BUILDER_IMAGES.buildkit}`,
      `fetch=${DEFAULT_BUILDER_IMAGES.fetch}`,
    ]);
  });
  it("accepts name:tag@digest and digest-only references as pinned", () => {
    const images = {
      kaniko: `${DEFAULT_BUILDER_IMAGES.kaniko}@${digest}`,
      buildkit: `docker.io/moby/buildkit@${digest}`,
      fetch: DEFAULT_BUILDER_IMAGES.fetch,
    };
    expect(unpinnedBuilderImages(images)).toEqual([`fetch=${DEFAULT_BUILDER_IMAGES.fetch}`]);
  });
});

describe("package mirrors", () => {
  const mirrors = {
    npmRegistry: "http://10.0.0.5:4873/",
    pypiIndex: "https://pypi.example.internal/simple/",
  };

  it("reach Kaniko and BuildKit as build args, after re-resolving (the worker resolves first)", () => {
    const kaniko = (options: Parameters<typeof buildKanikoJob>[1]) =>
      validate(buildKanikoJob(input, options).manifest).spec.template.spec.containers[0]!.args;
    expect(kaniko({}).filter((a) => a.startsWith("--build-arg"))).toEqual([]);
    const expected = [
      "--build-arg=QS_BUILD_NPM_REGISTRY=http://10.0.0.5:4873/",
      "--build-arg=QS_BUILD_NPM_REGISTRY_HTTP_HOST=10.0.0.5",
      "--build-arg=QS_BUILD_PYPI_INDEX=https://pypi.example.internal/simple/",
    ];
    expect(kaniko({ mirrors }).filter((a) => a.startsWith("--build-arg"))).toEqual(expected);
    expect(
      kaniko(resolveBuilderJobOptions({ mirrors })).filter((a) => a.startsWith("--build-arg")),
    ).toEqual(expected);
    const buildkit = validate(buildBuildkitJob(input, { mirrors }).manifest).spec.template.spec
      .containers[0]!.args;
    expect(buildkit.filter((a) => a.startsWith("--opt=build-arg:"))).toEqual(
      expected.map((a) => a.replace("--build-arg=", "--opt=build-arg:")),
    );
  });

  it("a mirror URL with credentials makes no Job, and the error does not repeat the password", () => {
    const bad = { mirrors: { npmRegistry: "https://ci:hunter2@npm.example.internal/" } };
    for (const make of [buildKanikoJob, buildBuildkitJob]) {
      let message = "";
      try {
        make(input, bad);
      } catch (err) {
        message = `${(err as Error).message} ${(err as { problems?: string[] }).problems?.join(" ")}`;
      }
      expect(message).toMatch(/QS_BUILD_NPM_REGISTRY: the URL carries credentials/);
      expect(message).not.toContain("hunter2");
    }
  });
});
