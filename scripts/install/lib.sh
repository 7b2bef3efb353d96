# shellcheck shell=bash
# Output and side-effect helpers for install.sh. Every action that changes the machine
# goes through run / write_file / kube_apply / wait_for: with --dry-run they print a
# `would: …` line instead, so the printed plan is exactly the list of actions, in order.
# Secret values never reach argv (visible in ps) or output: they travel through pipes.

# Heroku-style progress: one line per step, detail lines indented under it.
step() { printf -- '-----> %s\n' "$*"; }
info() { printf -- '       %s\n' "$*"; }
warn() { printf -- ' !     %s\n' "$*" >&2; }
die() {
  warn "$@"
  exit 1
}
would() { printf -- 'would: %s\n' "$*"; }

is_dry_run() { [ "${DRY_RUN:-0}" = 1 ]; }

# run CMD ARGS… : runs the command, or prints `would: run CMD ARGS…` (`would: kubectl …`).
run() {
  if is_dry_run; then
    if [ "$1" = kc ]; then would "kubectl ${*:2}"; else would "run $*"; fi
    return 0
  fi
  "$@"
}

# write_file PATH MODE SUMMARY < content : writes atomically (temp file + rename) with MODE;
# in dry-run prints the path, mode and SUMMARY (never the content, which may hold secrets).
write_file() {
  local path=$1 mode=$2 summary=$3
  if is_dry_run; then
    cat >/dev/null
    would "write $path (mode $mode; $summary)"
    return 0
  fi
  local dir tmp
  dir=$(dirname "$path")
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.qs-write.XXXXXX")
  chmod "$mode" "$tmp"
  cat >"$tmp"
  mv -f "$tmp" "$path"
}

# same_content PATH < content : true when PATH exists with exactly this content.
same_content() {
  local path=$1
  [ -f "$path" ] && cmp -s - "$path"
}

# kc ARGS… : kubectl against the local k3s (its admin kubeconfig, root only).
kc() { k3s kubectl "$@"; }

# kube_apply SUMMARY < manifest : kubectl apply -f - ; the manifest may hold secrets.
kube_apply() {
  local summary=$1
  if is_dry_run; then
    cat >/dev/null
    would "kubectl apply ($summary)"
    return 0
  fi
  kc apply -f - >/dev/null
}

# wait_for SUMMARY TIMEOUT_SECONDS CMD ARGS… : retries CMD every 3 s until it succeeds,
# printing one progress line; fails with SUMMARY after the timeout.
wait_for() {
  local summary=$1 timeout=$2
  shift 2
  if is_dry_run; then
    would "wait for $summary (up to ${timeout}s)"
    return 0
  fi
  local start=$SECONDS
  printf -- '       waiting for %s ' "$summary"
  until "$@" >/dev/null 2>&1; do
    if [ $((SECONDS - start)) -ge "$timeout" ]; then
      printf 'timed out\n'
      die "gave up waiting for $summary after ${timeout}s (re-run install.sh to continue; it is idempotent)"
    fi
    printf '.'
    sleep 3
  done
  printf ' ok (%ss)\n' "$((SECONDS - start))"
}

# apt_idle : no apt, dpkg or unattended-upgrades process is running (they hold the locks
# in /var/lib/dpkg and /var/lib/apt/lists).
apt_idle() { ! pgrep -x 'apt|apt-get|aptitude|dpkg|unattended-upgr' >/dev/null; }

# rand_hex BYTES : BYTES random bytes as hex (URL- and YAML-safe).
rand_hex() { openssl rand -hex "$1"; }

# b64 VALUE : base64 without line breaks; the value goes through a pipe, not argv.
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }

# secret_manifest NAME KEY=VALUE… : a Secret in $SECRET_NAMESPACE (default qs-system);
# VALUE may contain anything. Arguments of a shell function are not a process's argv, so
# values stay out of ps.
secret_manifest() {
  local name=$1 pair
  shift
  printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n' "$name" "${SECRET_NAMESPACE:-qs-system}"
  printf '  labels:\n    app.kubernetes.io/part-of: quickstack\ntype: Opaque\ndata:\n'
  for pair in "$@"; do
    printf '  %s: %s\n' "${pair%%=*}" "$(b64 "${pair#*=}")"
  done
}

# node_registry_password SECRET : the registry password every node uses, derived from
# the cluster's agent-token secret so `install.sh join` needs nothing but --token.
# Anyone holding the token can join a node (and so pull images) anyway.
node_registry_password() {
  printf 'quickstack-registry-node:%s' "$1" | sha256sum | cut -c1-64
}

# token_secret TOKEN : the secret part of a k3s token (`K10<ca-hash>::node:<secret>` or
# a bare secret).
token_secret() { printf '%s' "${1##*:}"; }

# parse_image_ref REF : splits an image reference the way distribution/reference (what
# containerd and the kubelet accept) reads it, [host[:port]/]path[:tag][@sha256:…], into
# IMAGE_NAME (host and path), IMAGE_TAG and IMAGE_DIGEST (each may be empty). Fails on
# anything else. A ':' before the last '/' is a registry port, never a tag; the same
# grammar as parseImageReference in packages/core.
parse_image_ref() {
  local ref=$1 rest last first path
  local component='[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*'
  local label='[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?'
  IMAGE_NAME="" IMAGE_TAG="" IMAGE_DIGEST=""
  [ "${#ref}" -le 512 ] || return 1
  rest=$ref
  if [[ "$rest" == *@* ]]; then
    IMAGE_DIGEST=${rest#*@}
    rest=${rest%%@*}
    [[ "$IMAGE_DIGEST" =~ ^sha256:[a-f0-9]{64}$ ]] || return 1
  fi
  last=${rest##*/}
  if [[ "$last" == *:* ]]; then
    IMAGE_TAG=${last#*:}
    rest=${rest%:*}
    [[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || return 1
  fi
  path=$rest
  first=${rest%%/*}
  # A first component with '.' or ':' (or localhost) is a registry host; otherwise it is
  # part of the path (library/busybox on Docker Hub).
  if [[ "$rest" == */* ]] && [[ "$first" == *[.:]* || "$first" == localhost || "$first" == \[* ]]; then
    [[ "$first" =~ ^($label(\.$label)*|\[[0-9a-fA-F:]+\])(:[0-9]+)?$ ]] || return 1
    path=${rest#*/}
  fi
  [[ "$path" =~ ^$component(/$component)*$ ]] && [ "${#path}" -le 255 ] || return 1
  # shellcheck disable=SC2034 # read by the caller (overlay_manifest, tests)
  IMAGE_NAME=$rest
}
