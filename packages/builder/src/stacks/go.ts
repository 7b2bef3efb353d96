import { BuildFailedError } from "@qs/core";
import { header, join, portLines } from "./dockerfile.ts";
import { DEFAULT_VERSIONS, type BaseImages } from "./images.ts";
import { goProxyArgs, mirrorFact, type BuildMirrors } from "./mirrors.ts";
import { startCmd, startCommandOf, tiniInstall } from "./start-command.ts";
import { readText, type DetectedStack, type SourceTree } from "./types.ts";

/**
 * The builder image for go.mod's `go` directive: the oldest supported release ≥ it (Go
 * builds older modules unchanged), else the newest, whose go command fetches the toolchain
 * the module names (GOTOOLCHAIN=auto; the official images set `local`).
 */
export function goVersionFor(directive: string | undefined, images: BaseImages): string {
  const minors = Object.keys(images.go).sort((a, b) => minorOf(a) - minorOf(b));
  if (minors.length === 0) {
    throw new BuildFailedError("no Go image is configured", {
      hint: "set the go images of the stack options, or commit a Dockerfile",
    });
  }
  if (directive === undefined)
    return DEFAULT_VERSIONS.go in images.go ? DEFAULT_VERSIONS.go : (minors.at(-1) ?? "");
  const wanted = minorOf(directive);
  return minors.find((m) => minorOf(m) >= wanted) ?? minors.at(-1) ?? "";
}

function minorOf(version: string): number {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m === null ? 0 : Number(m[1]) * 1000 + Number(m[2]);
}

/** Generates the Dockerfile of a Go module, or undefined without go.mod. */
export async function detectGo(
  tree: SourceTree,
  images: BaseImages,
  webCommand: string | undefined,
  mirrors: BuildMirrors = {},
): Promise<DetectedStack | undefined> {
  const gomod = await readText(tree, "go.mod");
  if (gomod === undefined) return undefined;
  const directive = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(gomod)?.[1];
  const version = goVersionFor(directive, images);
  const pkg = mainPackage(tree.files);
  const files = new Set(tree.files);
  const newer = directive !== undefined && minorOf(directive) > minorOf(version);
  const run = startCommandOf(webCommand ?? "/app/app");
  return {
    stack: "go",
    facts: [
      `Go ${version}${directive === undefined ? "" : ` (go.mod: go ${directive})`}`,
      ...(newer ? [`toolchain go${directive} through GOTOOLCHAIN`] : []),
      `main package: ${pkg}`,
      ...mirrorFact(mirrors, ["goProxy"]),
      ...(run.needsInit ? ["init: tini", ...mirrorFact(mirrors, ["apkMirror"])] : []),
    ],
    dockerfile: join(
      header("Go"),
      [
        `FROM ${images.go[version] ?? ""} AS build`,
        "WORKDIR /src",
        // The images pin GOTOOLCHAIN=local; auto lets a newer `go`/`toolchain` line in
        // go.mod fetch its toolchain from the module proxy instead of failing.
        "ENV GOTOOLCHAIN=auto",
        ...goProxyArgs(mirrors),
        `COPY go.mod ${files.has("go.sum") ? "go.sum " : ""}./`,
        "RUN go mod download",
        "COPY . .",
        // Static binary: runs on the small runtime image without libc.
        `RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app ${pkg}`,
      ].join("\n"),
      [
        `FROM ${images.goRuntime}`,
        ...(run.needsInit ? [tiniInstall("alpine", mirrors)] : []),
        "RUN adduser -D -u 10001 app",
        "WORKDIR /app",
        "COPY --from=build /out/app /app/app",
        "USER 10001",
        portLines(),
        startCmd(run, "alpine"),
      ].join("\n"),
    ),
  };
}

/** `.` when the root has Go files, else the only `cmd/<name>`. */
function mainPackage(files: readonly string[]): string {
  if (files.some((f) => /^[^/]+\.go$/.test(f) && !f.endsWith("_test.go"))) return ".";
  const cmds = [
    ...new Set(
      files.map((f) => /^cmd\/([^/]+)\/[^/]+\.go$/.exec(f)?.[1]).filter((c) => c !== undefined),
    ),
  ];
  if (cmds.length === 1) return `./cmd/${cmds[0] ?? ""}`;
  throw new BuildFailedError(
    cmds.length === 0
      ? "no Go main package found (no .go files at the root or in cmd/<name>/)"
      : `several main packages: ${cmds.map((c) => `cmd/${c}`).join(", ")}`,
    { hint: "commit a Dockerfile that builds the one you want" },
  );
}
