#!/usr/bin/env bash
# Builds the local test cluster's programs from their official Go modules, once per
# machine: each component's binaries are cached under .tools/cluster/<name>-<key>/,
# where <key> is the component's pinned version plus a hash of its go.mod/go.sum, so a
# version bump builds again and nothing else does. Prints one progress line per
# component and how long the whole build took.
#
#   bash test/cluster/build.sh          # build what is missing, print the bin folders
#   bash test/cluster/build.sh --print  # only print where the binaries are (or would be)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
modules="$root/test/cluster/modules"
tools="$root/.tools/cluster"
print_only=0
[ "${1:-}" = "--print" ] && print_only=1

# The Kubernetes release everything here is pinned to. install.sh pins the k3s release
# of the same minor (scripts/install/versions.sh); a test keeps the two in step.
k8s_version="v1.34.4"

key() { # name version -> cache folder
  local sum
  sum=$(cat "$modules/$1/go.mod" "$modules/$1/go.sum" | sha256sum | cut -c1-10)
  echo "$tools/$1-$2-$sum"
}

start_all=$(date +%s)
built=0
build() { # name version cgo tags ldflags package...
  local name=$1 version=$2 cgo=$3 tags=$4 ldflags=$5
  shift 5
  local dir
  dir=$(key "$name" "$version")
  echo "$name=$dir/bin"
  [ "$print_only" = 1 ] && return 0
  if [ -f "$dir/.complete" ]; then
    return 0
  fi
  local t0
  t0=$(date +%s)
  echo "-----> building $name $version from its Go module (first run on this machine)" >&2
  rm -rf "$dir" && mkdir -p "$dir/bin"
  (cd "$modules/$name" && CGO_ENABLED=$cgo go build -trimpath -tags "$tags" \
    -ldflags "$ldflags" -o "$dir/bin/" "$@") >&2
  # How long the cold build took, for npm run bench.
  echo "$(($(date +%s) - t0))" > "$dir/.build-seconds"
  touch "$dir/.complete"
  built=1
  echo "       $name built in $(($(date +%s) - t0)) s" >&2
}

command -v go >/dev/null || { echo "go is not installed: the local cluster is built from Go modules (Go 1.26)" >&2; exit 1; }
export GOFLAGS="${GOFLAGS:-} -mod=mod"

ver="k8s.io/component-base/version"
cgver="k8s.io/client-go/pkg/version"
k8s_ld="-s -w -X $ver.gitVersion=$k8s_version -X $ver.gitMajor=1 -X $ver.gitMinor=34"
k8s_ld+=" -X $ver.gitTreeState=clean -X $ver.buildDate=2026-01-01T00:00:00Z"
k8s_ld+=" -X $cgver.gitVersion=$k8s_version -X $cgver.gitMajor=1 -X $cgver.gitMinor=34"
build kubernetes "$k8s_version" 0 "" "$k8s_ld" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
  k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl

# kine keeps the etcd API on SQLite (cgo), as k3s does on a single server.
build kine v0.17.5 1 "" "-s -w" github.com/k3s-io/kine

# runc needs libseccomp (cgo) so that RuntimeDefault seccomp profiles are enforced.
build runc v1.5.3 1 "seccomp" "-s -w -X main.version=1.5.3" github.com/opencontainers/runc

cd_ver="github.com/containerd/containerd/v2/version"
build containerd v2.2.9 0 "no_btrfs no_devmapper no_zfs" "-s -w -X $cd_ver.Version=v2.2.9" \
  github.com/containerd/containerd/v2/cmd/containerd \
  github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
  github.com/containerd/containerd/v2/cmd/ctr

build coredns v1.14.7 0 "" "-s -w" github.com/coredns/coredns
build crane v0.22.1 0 "" "-s -w" github.com/google/go-containerregistry/cmd/crane
# k3s's default StorageClass: PersistentVolumeClaims become folders on the node.
build local-path-provisioner v0.0.30 0 "" "-s -w" github.com/rancher/local-path-provisioner

# The resource metrics API (kubectl top, HorizontalPodAutoscaler): k3s ships metrics-server.
build metrics-server v0.8.0 0 "" "-s -w -X $ver.gitVersion=v0.8.0" sigs.k8s.io/metrics-server/cmd/metrics-server

# Builder images for real builds (test/cluster/builders): Kaniko's executor from
# Chainguard's maintained fork (the Google project is archived), static like upstream's.
build kaniko v1.25.4 0 "" "-s -w -X github.com/chainguard-dev/kaniko/pkg/version.version=v1.25.4" \
  github.com/chainguard-dev/kaniko/cmd/executor
# BuildKit as the rootless builder Job runs it (no cgo: --oci-worker-no-process-sandbox).
build buildkit v0.30.0 0 "osusergo netgo" "-s -w -X github.com/moby/buildkit/version.Version=v0.30.0" \
  github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl

# The S3-compatible server backup tests write to (issue 18): VersityGW on its posix
# backend, a folder per bucket, started by the test on the node address.
build versitygw v1.8.0 0 "" "-s -w -X main.Version=v1.8.0" github.com/versity/versitygw/cmd/versitygw

# The sandbox ("pause") container: Kubernetes' own pause.c from the same module, static.
pause_dir=$(key kubernetes "$k8s_version")/pause
echo "pause=$pause_dir"
if [ "$print_only" = 0 ] && [ ! -x "$pause_dir/pause" ]; then
  src=$(cd "$modules/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)
  mkdir -p "$pause_dir"
  gcc -Os -static -Wall -Werror -DVERSION="$k8s_version" -o "$pause_dir/pause" "$src/build/pause/linux/pause.c"
  strip "$pause_dir/pause"
  built=1
fi

if [ "$built" = 1 ]; then
  echo "-----> cluster components built in $(($(date +%s) - start_all)) s" >&2
fi
