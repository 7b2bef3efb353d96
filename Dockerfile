# The QuickStack control plane: `npm run image` (deploy/image/build.sh) builds it with
# podman, buildah or docker. The image runs the compiled control plane (`npm run build`
# → dist/): Node 24 could run the TypeScript sources, but its type stripper would stay in
# memory (~17 MB of the 120 MB budget, see scripts/bench/memory.ts).
#
# Base image pinned by digest. The digest below was published for node:24.18.0-bookworm-slim
# and has NOT been pulled or verified on this project's machines (no registry access).
# Refresh it, and verify, with one of:
#   docker buildx imagetools inspect node:24-bookworm-slim --format '{{json .Manifest.Digest}}'
#   skopeo inspect --format '{{.Digest}}' docker://node:24-bookworm-slim
#   crane digest node:24-bookworm-slim
# then replace both the tag and the digest (the digest wins when both are given).
# No `# syntax=` line: the builders' built-in Dockerfile frontend builds this file, so no
# frontend image is pulled (BuildKit would fetch docker/dockerfile from Docker Hub).
# NODE_IMAGE=<ref> (build.sh, or --build-arg) builds on another base, e.g. a locally made one.
ARG NODE_IMAGE=node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# --- manifests: only package.json files and the lockfile, so the dependency layer below
# is rebuilt only when dependencies change, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out/ \; \
 && cp package-lock.json /out/

# --- deps: production dependencies only. ssh2's optional native addon needs a compiler;
# npm_config_nodedir points node-gyp at the image's own headers (no download).
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=manifests /out/ ./
ENV npm_config_nodedir=/usr/local
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- build: all dependencies (typescript) and the sources → dist/ (JavaScript only).
FROM deps AS build
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/
COPY packages/ ./packages/
COPY apps/ ./apps/
COPY templates/ ./templates/
RUN node scripts/build.ts

# --- runtime
FROM ${NODE_IMAGE} AS runtime
# git: the SSH and HTTP sides spawn git-receive-pack/upload-pack. tini: PID 1 that
# forwards SIGTERM (graceful push drain) and reaps the git children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 quickstack \
 && useradd --system --uid 10001 --gid quickstack --home-dir /var/lib/quickstack \
      --no-create-home --shell /usr/sbin/nologin quickstack \
 && install -d -o quickstack -g quickstack -m 0750 /var/lib/quickstack
WORKDIR /app
# Root-owned and read-only for the quickstack user: the code cannot be rewritten at run time.
COPY --from=deps /app/node_modules/ ./node_modules/
COPY --from=build /app/dist/ ./dist/
ENV NODE_ENV=production \
    QS_ENV=production \
    QS_DATA_DIR=/var/lib/quickstack \
    HOME=/var/lib/quickstack
USER 10001:10001
EXPOSE 8080 2222
VOLUME ["/var/lib/quickstack"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# Size over speed: a control plane is I/O bound (see scripts/bench/memory.ts for figures).
CMD ["node", "--max-semi-space-size=1", "--optimize-for-size", "dist/apps/server/src/main.js"]
