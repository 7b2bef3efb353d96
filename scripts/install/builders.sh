# shellcheck shell=bash
# What builds need from a node and from the server: the user-namespace knob for rootless
# BuildKit, and the base images of generated Dockerfiles pinned by digest.

USERNS_SYSCTL_FILE=/etc/sysctl.d/60-quickstack-buildkit.conf

# Rootless BuildKit makes user namespaces (RootlessKit). Ubuntu 24.04+ restricts them for
# unconfined programs through AppArmor, and BuildKit's rootless docs say to turn that off:
# kernel.apparmor_restrict_unprivileged_userns=0. Set where the knob exists (builds may run
# on any node), kept across reboots by a sysctl.d file; elsewhere there is nothing to do.
allow_rootless_buildkit() {
  [ -e "$USERNS_KNOB" ] || return 0
  step "Allowing user namespaces for rootless BuildKit (AppArmor restricts them here)"
  printf '# Written by QuickStack install.sh: rootless BuildKit needs user namespaces.\nkernel.apparmor_restrict_unprivileged_userns = 0\n' |
    write_file "$USERNS_SYSCTL_FILE" 0644 "kernel.apparmor_restrict_unprivileged_userns = 0"
  run sysctl -q -w kernel.apparmor_restrict_unprivileged_userns=0
}

# QS_BASE_IMAGES of deploy/: the base images of generated Dockerfiles, by release line
# (packages/builder DEFAULT_BASE_IMAGES; a unit test keeps the two lists equal).
base_image_refs() {
  sed -n 's/^ *- QS_BASE_IMAGES=\(.*\)$/\1/p' "$DEPLOY_DIR/base/kustomization.yaml" | tr ',' '\n' | grep .
}

# hub_digest REF : the digest Docker Hub serves for docker.io/NAME:TAG (the multi-arch
# index), read with a HEAD request: Kaniko pulls base images itself, so pulling them into
# containerd here would only fill the disk. Prints nothing on failure.
hub_digest() {
  local ref=$1 repo tag token
  repo=${ref#docker.io/}
  tag=${repo##*:}
  repo=${repo%:*}
  token=$(curl -fsS --max-time 30 "https://auth.docker.io/token?service=registry.docker.io&scope=repository:$repo:pull" |
    sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p') || return 0
  [ -n "$token" ] || return 0
  # The token is a header read from stdin (-H @-), never an argument visible in ps.
  printf 'Authorization: Bearer %s\n' "$token" |
    curl -fsSI --max-time 30 -H @- \
      -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
      "https://registry-1.docker.io/v2/$repo/manifests/$tag" 2>/dev/null |
    tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *\(sha256:[0-9a-f]\{64\}\)$/\1/p' | head -n 1
}

# Generated Dockerfiles run FROM these images, so, like the builder images, they are
# pinned to the content of this day (name:tag@sha256:…); re-running install.sh moves them
# to the newest patch of each release line. Sets PINNED_BASE_IMAGES (comma-separated).
pin_base_images() {
  step "Pinning base images of generated Dockerfiles by digest"
  local ref digest pinned=()
  while IFS= read -r ref; do
    if is_dry_run; then
      # QS_TEST_IMAGE_DIGEST stands in for the registry's answer.
      would "resolve $ref (registry HEAD request)"
      digest=${QS_TEST_IMAGE_DIGEST:-}
    else
      digest=$(hub_digest "$ref")
    fi
    if [ -n "$digest" ]; then
      pinned+=("$ref@$digest")
      info "$ref@$digest"
    else
      warn "could not resolve $ref: builds use the tag until install.sh is re-run"
    fi
  done < <(base_image_refs)
  # shellcheck disable=SC2034 # read by overlay_manifest (quickstack.sh)
  PINNED_BASE_IMAGES=$(IFS=,; printf '%s' "${pinned[*]}")
}
