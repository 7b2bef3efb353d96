#!/usr/bin/env bash
# `npm run image`: builds the control-plane image from the Dockerfile at the repository
# root with whichever of podman, buildah or docker is installed.
#   IMAGE   image name (default quickstack/control-plane:<version from package.json>)
# Extra arguments go to the build command (e.g. --platform linux/arm64).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n 1)
image=${IMAGE:-quickstack/control-plane:${version:-dev}}
if command -v podman >/dev/null 2>&1; then
  builder=(podman build)
elif command -v buildah >/dev/null 2>&1; then
  builder=(buildah bud)
elif command -v docker >/dev/null 2>&1; then
  builder=(docker build)
else
  echo " !     no image builder found: install podman, buildah or docker" >&2
  exit 1
fi
echo "-----> Building $image with ${builder[0]}"
"${builder[@]}" --file Dockerfile --tag "$image" "$@" .
