# shellcheck shell=bash
# Preflight: every check runs, then one refusal lists everything that is wrong.
# Inputs come from the machine, or, with --dry-run only, from QS_TEST_* overrides
# (see read_machine in install.sh) so the plan can be tested on any machine.

PROBLEMS=()
problem() { PROBLEMS+=("$*"); }

check_os() {
  local id="" version_id="" pretty="" like=""
  if [ -r "$OS_RELEASE_FILE" ]; then
    id=$(os_release_field ID)
    like=$(os_release_field ID_LIKE)
    version_id=$(os_release_field VERSION_ID)
    pretty=$(os_release_field PRETTY_NAME)
  fi
  case "$id" in
    debian)
      if [ "${version_id%%.*}" -ge 11 ] 2>/dev/null; then info "ok  $pretty"; return; fi
      problem "Debian $version_id is too old: Debian 11 or newer is needed" ;;
    ubuntu)
      if [ "${version_id%%.*}" -ge 20 ] 2>/dev/null; then info "ok  $pretty"; return; fi
      problem "Ubuntu $version_id is too old: Ubuntu 20.04 or newer is needed" ;;
    "")
      problem "cannot read the OS from $OS_RELEASE_FILE: QuickStack supports Debian and Ubuntu" ;;
    *)
      problem "${pretty:-$id} ($like) is not supported: QuickStack installs on Debian 11+ or Ubuntu 20.04+" ;;
  esac
}

# os_release_field NAME : the unquoted value of NAME in the os-release file.
os_release_field() {
  local line
  line=$(grep -E "^$1=" "$OS_RELEASE_FILE" | head -n 1 || true)
  line=${line#*=}
  line=${line#\"}
  line=${line%\"}
  printf '%s' "$line"
}

check_arch() {
  case "$MACHINE_ARCH" in
    x86_64 | amd64) info "ok  amd64" ;;
    aarch64 | arm64) info "ok  arm64" ;;
    *) problem "CPU architecture $MACHINE_ARCH is not supported: amd64 or arm64 is needed" ;;
  esac
}

# Memory a server needs, in MiB (deploy/INSTALL.md, "Memory", explains each figure):
# k3s itself with its packaged Traefik, CoreDNS, metrics-server and local-path: 1596 MB
#   = 1522 MiB ("K3s server with a workload", kine/SQLite, docs.k3s.io resource profiling);
# cert-manager's three Deployments request nothing: 32 MiB each is allowed for them;
# deploy/'s requests: control plane 256, registry 64, Redis 64, registry relay 16 (a test
#   sums them from the rendered manifests);
# one build at a time: the builder Job requests 1 GiB (packages/builder's default), and a
#   build that cannot be scheduled leaves a push waiting.
MEMORY_K3S_MIB=1522
MEMORY_CERT_MANAGER_MIB=96
MEMORY_DEPLOY_MIB=400
MEMORY_BUILD_MIB=1024
MEMORY_SERVER_MIB=$((MEMORY_K3S_MIB + MEMORY_CERT_MANAGER_MIB + MEMORY_DEPLOY_MIB + MEMORY_BUILD_MIB))
# An agent runs the k3s agent (275 MB = 263 MiB in the same profile), the registry relay
# and builds.
MEMORY_AGENT_MIB=$((263 + 16 + MEMORY_BUILD_MIB))

# check_memory NEEDED_MIB WHAT : MemTotal (what the kernel leaves after its own reserve; a
# "4 GB" VPS shows about 3900 MiB) must hold NEEDED_MIB.
check_memory() {
  local needed=$1 what=$2 kib
  kib=$(awk '/^MemTotal:/ { print $2 }' "$MEMINFO_FILE" 2>/dev/null || true)
  if [ -z "$kib" ]; then
    problem "cannot read the memory size from $MEMINFO_FILE"
    return
  fi
  local mib=$((kib / 1024))
  if [ "$mib" -lt "$needed" ]; then
    problem "only ${mib} MiB of memory: $what needs ${needed} MiB (see deploy/INSTALL.md, \"Memory\"); choose a VPS with 4 GB"
  else
    info "ok  ${mib} MiB memory (${needed} MiB needed)"
  fi
}

# check_wireguard : pod traffic between nodes goes over WireGuard (flannel-backend:
# wireguard-native), which needs the kernel module. Container-based VPSes (OpenVZ, LXC)
# share a host kernel that may not have it, and cannot load modules.
check_wireguard() {
  if wireguard_available; then
    info "ok  WireGuard kernel module"
  else
    problem "the kernel has no WireGuard module (a container-based VPS such as OpenVZ or LXC cannot load it): choose a KVM or other full-virtualisation VPS, or on Debian/Ubuntu with a stock kernel run modprobe wireguard to see why it fails"
  fi
}

# wireguard_available : the module is loaded, built in, or loadable (modprobe -n only
# resolves it: nothing changes). QS_TEST_WIREGUARD=no|yes stands in during a dry run.
wireguard_available() {
  if is_dry_run && [ -n "${QS_TEST_WIREGUARD:-}" ]; then
    [ "$QS_TEST_WIREGUARD" = yes ]
    return
  fi
  [ -d /sys/module/wireguard ] || modprobe -n -q wireguard 2>/dev/null
}

# port_in_use PORT : true when something listens on TCP PORT.
port_in_use() {
  if [ -n "${PORTS_IN_USE+x}" ]; then
    case ",$PORTS_IN_USE," in *",$1,"*) return 0 ;; *) return 1 ;; esac
  fi
  [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# check_ports PORT… : all must be free, except on a re-run where k3s already owns them.
check_ports() {
  if [ -n "$K3S_INSTALLED_VERSION" ]; then
    info "ok  ports $* (held by the existing k3s ${K3S_INSTALLED_VERSION}: re-run)"
    return
  fi
  local port busy=()
  for port in "$@"; do
    if port_in_use "$port"; then busy+=("$port"); fi
  done
  if [ "${#busy[@]}" -gt 0 ]; then
    problem "port(s) ${busy[*]} already in use: stop what listens there (see: ss -ltnp)"
  else
    info "ok  ports $* are free"
  fi
}

check_public_ip() {
  if [ -z "$PUBLIC_IP" ]; then
    problem "no public IPv4 address found: QuickStack needs one for HTTPS and SSH (check the network, then re-run)"
    return
  fi
  info "ok  public IPv4 $PUBLIC_IP"
}

# detect_public_ip : the source address of the default route if it is public, else
# what an outside echo service sees (the VPS may sit behind 1:1 NAT).
detect_public_ip() {
  local ip
  ip=$( (ip -4 route get 1.1.1.1 2>/dev/null || true) | awk '{ for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1) }' | head -n 1)
  case "$ip" in
    "" | 10.* | 192.168.* | 172.1[6-9].* | 172.2[0-9].* | 172.3[01].* | 100.6[4-9].* | 100.[7-9][0-9].* | 100.1[01][0-9].* | 100.12[0-7].*)
      ip=$(curl -fsS --max-time 5 https://ipv4.icanhazip.com 2>/dev/null | tr -d '[:space:]' || true) ;;
  esac
  if [[ "$ip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then printf '%s' "$ip"; fi
}

check_root() {
  if [ "$(id -u)" -ne 0 ]; then
    if is_dry_run; then
      info "note: not root; a real run needs root (sudo)"
    else
      problem "install.sh must run as root: sudo bash scripts/install.sh …"
    fi
  fi
}

check_admin_key() {
  if [ -n "$ADMIN_KEY_LINE" ]; then
    local type=${ADMIN_KEY_LINE%% *} rest=${ADMIN_KEY_LINE#* } comment=""
    case "$rest" in *" "*) comment=" ${rest#* }" ;; esac
    info "ok  first admin key: $type …$comment (from $ADMIN_KEY_SOURCE)"
  elif secret_exists quickstack-admin; then
    info "ok  first admin already set up (secret quickstack-admin)"
  else
    problem "no SSH public key for the first admin: pass --admin-key 'ssh-ed25519 AAAA… you@laptop' (or a .pub file), or add your key to ~/.ssh/authorized_keys"
  fi
}

# check_image : QUICKSTACK_IMAGE names the control-plane image by a full reference with a
# version. No image is published yet, so without it the install would finish every other
# step and then wait for a pod that can never pull.
check_image() {
  local example="ghcr.io/<you>/quickstack:$QS_INSTALLER_VERSION"
  if [ -z "$QS_IMAGE" ]; then
    problem "QUICKSTACK_IMAGE is not set and no control-plane image is published yet: in a QuickStack checkout with podman or docker run IMAGE=$example npm run image, push it (podman push $example) to a registry this server can pull from, then run here: sudo QUICKSTACK_IMAGE=$example bash scripts/install.sh … (deploy/INSTALL.md, \"The control-plane image\")"
  elif ! parse_image_ref "$QS_IMAGE"; then
    problem "QUICKSTACK_IMAGE=${QS_IMAGE:0:120} is not an image reference: write it as registry[:port]/name:tag, optionally with @sha256:<64 hex digits>, e.g. $example"
  elif [ -z "$IMAGE_TAG$IMAGE_DIGEST" ]; then
    problem "QUICKSTACK_IMAGE=$QS_IMAGE names no version: add its tag (:$QS_INSTALLER_VERSION) or digest (@sha256:…)"
  else
    info "ok  control-plane image $QS_IMAGE"
  fi
}

# refuse_if_problems : one refusal listing everything wrong, then exit 1.
refuse_if_problems() {
  [ "${#PROBLEMS[@]}" -eq 0 ] && return 0
  warn "QuickStack cannot be installed on this machine yet:"
  local p
  for p in "${PROBLEMS[@]}"; do warn "  - $p"; done
  warn "Fix these and run the same command again."
  exit 1
}

# check_k3s_upgrade : an installed k3s may move to K3S_VERSION only within its minor or to
# the next one. Kubernetes upgrades one minor version at a time (its version skew policy)
# and k3s does not support downgrades.
check_k3s_upgrade() {
  [ -n "$K3S_INSTALLED_VERSION" ] || return 0
  local have want
  have=$(k3s_minor "$K3S_INSTALLED_VERSION")
  want=$(k3s_minor "$K3S_VERSION")
  if [ -z "$have" ]; then
    problem "cannot read the installed k3s version ($K3S_INSTALLED_VERSION): check k3s --version"
  elif [ "$want" -lt "$have" ]; then
    problem "k3s $K3S_INSTALLED_VERSION is installed and $K3S_VERSION is older: k3s cannot be downgraded (pass --k3s-version with a v1.$have release)"
  elif [ "$want" -gt $((have + 1)) ]; then
    problem "k3s $K3S_INSTALLED_VERSION is installed: Kubernetes upgrades one minor version at a time, so first run install.sh --k3s-version v1.$((have + 1)).N+k3s1 (a release from https://github.com/k3s-io/k3s/releases), then again without it"
  else
    info "ok  k3s $K3S_INSTALLED_VERSION -> $K3S_VERSION"
  fi
}

# k3s_minor VERSION : the Kubernetes minor of a k3s release (v1.34.4+k3s1 -> 34).
k3s_minor() {
  [[ "$1" =~ ^v1\.([0-9]+)\. ]] && printf '%s' "${BASH_REMATCH[1]}"
}

preflight_server() {
  step "Checking this machine"
  check_root
  check_os
  check_arch
  check_memory "$MEMORY_SERVER_MIB" "a QuickStack server (k3s, cert-manager, Redis, the registry, the control plane and one build)"
  check_wireguard
  check_k3s_upgrade
  check_ports 80 443 2222 6443 5000
  check_public_ip
  check_admin_key
  check_image
  refuse_if_problems
}

preflight_agent() {
  step "Checking this machine"
  check_root
  check_k3s_upgrade
  check_os
  check_arch
  check_memory "$MEMORY_AGENT_MIB" "a node (the k3s agent, the registry relay and one build)"
  check_wireguard
  # Agents run ServiceLB's hostPorts (80, 443, 2222) and the registry relay (5000) too.
  check_ports 80 443 2222 5000
  # Other nodes reach this one (WireGuard, kubelet for logs and exec) at its public IP.
  check_public_ip
  refuse_if_problems
}
