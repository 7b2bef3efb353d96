#!/usr/bin/env bash
# `npm run image`: builds the control-plane image from the Dockerfile at the repository
# root with whichever of podman, buildah, docker (with a running daemon) or BuildKit
# (buildctl + buildkitd, no daemon needed) is installed.
#   IMAGE        image name (default quickstack/control-plane:<version from package.json>)
#   NODE_IMAGE   base image instead of the Dockerfile's pinned node image (the build arg)
# BuildKit has no local image store: it pushes IMAGE to its registry, so IMAGE must name
# one (e.g. 127.0.0.1:5000/quickstack/control-plane:0.1.0). Its settings:
#   BUILDKIT_HOST   a running buildkitd to use; unset: one is started for this build
#                   (root only) and stopped after it
#   BUILDKIT_STATE  that buildkitd's state and layer cache (default ~/.cache/quickstack/buildkit)
#   INSECURE_REGISTRIES  comma-separated host:port served over plain HTTP (pull and push);
#                   default: IMAGE's and NODE_IMAGE's registry when it is on loopback
# Extra arguments go to the build command (e.g. --platform linux/arm64).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n 1)
image=${IMAGE:-quickstack/control-plane:${version:-dev}}
build_args=()
if [ -n "${NODE_IMAGE:-}" ]; then build_args=(--build-arg "NODE_IMAGE=$NODE_IMAGE"); fi

# registry_of REF : the registry host of an image reference, or nothing for Docker Hub.
registry_of() {
  local first=${1%%/*}
  case "$1" in */*) ;; *) return 0 ;; esac
  case "$first" in *.* | *:* | localhost) printf '%s\n' "$first" ;; esac
}

build_with_buildkit() {
  local insecure=${INSECURE_REGISTRIES-} host reg
  if [ -z "${INSECURE_REGISTRIES+x}" ]; then
    for reg in "$(registry_of "$image")" "$(registry_of "${NODE_IMAGE:-}")"; do
      case ",$insecure," in *",$reg,"*) continue ;; esac
      case "$reg" in 127.* | localhost | localhost:* | \[::1\]*) insecure="${insecure:+$insecure,}$reg" ;; esac
    done
  fi
  case "$(registry_of "$image")" in
    "")
      echo " !     BuildKit pushes the image: set IMAGE to a registry reference (host:port/name:tag)" >&2
      exit 1
      ;;
  esac
  local opts=(--frontend dockerfile.v0 --local context=. --local dockerfile=. --opt filename=Dockerfile)
  if [ -n "${NODE_IMAGE:-}" ]; then opts+=(--opt "build-arg:NODE_IMAGE=$NODE_IMAGE"); fi
  local output="type=image,name=$image,push=true"
  case ",$insecure," in *",$(registry_of "$image"),"*) output="$output,registry.insecure=true" ;; esac
  if [ -n "${BUILDKIT_HOST:-}" ]; then
    buildctl --addr "$BUILDKIT_HOST" build "${opts[@]}" --output "$output" "$@"
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo " !     starting buildkitd needs root here: run a buildkitd and set BUILDKIT_HOST" >&2
    exit 1
  fi
  local state=${BUILDKIT_STATE:-${HOME:-/root}/.cache/quickstack/buildkit} run
  run=$(mktemp -d)
  mkdir -p "$state"
  {
    # The OCI worker runs RUN steps with runc directly; host networking reaches the
    # package registries the Dockerfile installs from.
    printf '[worker.oci]\n  enabled = true\n[worker.containerd]\n  enabled = false\n'
    for host in ${insecure//,/ }; do printf '[registry."%s"]\n  http = true\n  insecure = true\n' "$host"; done
  } >"$run/buildkitd.toml"
  buildkitd --config "$run/buildkitd.toml" --root "$state" --addr "unix://$run/buildkitd.sock" \
    --oci-worker-net=host >"$run/buildkitd.log" 2>&1 &
  local pid=$!
  # shellcheck disable=SC2064 # expand now: run and pid are local to this function
  trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf '$run'" EXIT
  local i
  for i in $(seq 1 60); do
    if buildctl --addr "unix://$run/buildkitd.sock" debug workers >/dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2>/dev/null || [ "$i" = 60 ]; then
      echo " !     buildkitd did not start:" >&2
      tail -n 20 "$run/buildkitd.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  buildctl --addr "unix://$run/buildkitd.sock" build "${opts[@]}" --output "$output" "$@"
}

if command -v podman >/dev/null 2>&1; then
  builder=(podman build)
elif command -v buildah >/dev/null 2>&1; then
  builder=(buildah bud)
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  builder=(docker build)
elif command -v buildctl >/dev/null 2>&1 && { [ -n "${BUILDKIT_HOST:-}" ] || command -v buildkitd >/dev/null 2>&1; }; then
  echo "-----> Building $image with BuildKit (pushed to its registry)"
  build_with_buildkit "$@"
  exit 0
else
  echo " !     no image builder found: install podman, buildah, docker (with its daemon running) or BuildKit (buildctl, buildkitd)" >&2
  exit 1
fi
echo "-----> Building $image with ${builder[0]}"
"${builder[@]}" --file Dockerfile --tag "$image" ${build_args[@]+"${build_args[@]}"} "$@" .
