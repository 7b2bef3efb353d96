#!/usr/bin/env bash
# The installer itself; scripts/install.sh (usage in its header) runs this file.
# Helpers live beside it (lib.sh, preflight.sh, k3s.sh, addons.sh, quickstack.sh,
# uninstall.sh); .shellcheckrc here lets shellcheck follow them.
set -euo pipefail

# Pinned versions: change them here (and in deploy/INSTALL.md), then test a real install.
# k3s: the Kubernetes minor the local test cluster builds (test/cluster/build.sh
# k8s_version; a test keeps the two equal). Kubernetes 1.34 is supported to 2026-10-27
# upstream and k3s follows it; move to the next line together with the test cluster.
K3S_VERSION_DEFAULT="v1.34.4+k3s1"
# cert-manager supports its two newest minor releases; 1.21 (July 2026) stays supported
# until 1.23 ships and covers Kubernetes 1.34.
CERT_MANAGER_VERSION="v1.21.2"
LONGHORN_VERSION="v1.9.1"
QS_INSTALLER_VERSION="0.1.0"

INSTALL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT_DIR=$(dirname "$INSTALL_LIB_DIR")
source "$INSTALL_LIB_DIR/lib.sh"
source "$INSTALL_LIB_DIR/preflight.sh"
source "$INSTALL_LIB_DIR/k3s.sh"
source "$INSTALL_LIB_DIR/addons.sh"
source "$INSTALL_LIB_DIR/quickstack.sh"
source "$INSTALL_LIB_DIR/builders.sh"
source "$INSTALL_LIB_DIR/backups.sh"
source "$INSTALL_LIB_DIR/uninstall.sh"

usage() {
  sed -n '2,/^set -euo/p' "$SCRIPT_DIR/install.sh" | sed -e '$d' -e 's/^# \{0,1\}//'
}

usage_error() {
  warn "$*"
  warn "usage: install.sh [--domain D] [--email E] [--admin-key KEY] [--k3s-version V] [--with-longhorn] [--dry-run] | join --server URL --token T | --uninstall (see --help)"
  exit 2
}

parse_args() {
  MODE=install DRY_RUN=0 DOMAIN="" EMAIL="" K3S_VERSION=$K3S_VERSION_DEFAULT
  WITH_LONGHORN=0 ADMIN_KEY_FLAG="" JOIN_SERVER="" JOIN_TOKEN="" UNINSTALL=0
  local server_only=() join_only=()
  while [ "$#" -gt 0 ]; do
    local flag=$1 value=""
    case "$flag" in
      --*=*) value=${flag#*=} flag=${flag%%=*} ;;
      --domain | --email | --k3s-version | --admin-key | --server | --token)
        [ "$#" -ge 2 ] || usage_error "$flag needs a value"
        value=$2
        shift ;;
    esac
    case "$flag" in
      --domain) DOMAIN=$value server_only+=("$flag") ;;
      --email) EMAIL=$value server_only+=("$flag") ;;
      --admin-key) ADMIN_KEY_FLAG=$value server_only+=("$flag") ;;
      --k3s-version) K3S_VERSION=$value ;;
      --with-longhorn) WITH_LONGHORN=1 ;;
      --dry-run) DRY_RUN=1 ;;
      join) MODE="join" ;;
      --uninstall) UNINSTALL=1 ;;
      --server) JOIN_SERVER=$value join_only+=("$flag") ;;
      --token) JOIN_TOKEN=$value join_only+=("$flag") ;;
      -h | --help) usage; exit 0 ;;
      *) usage_error "unknown argument: $flag" ;;
    esac
    shift
  done
  if [ "$MODE" = join ]; then
    [ "${#server_only[@]}" -eq 0 ] || usage_error "${server_only[*]} apply to the first server, not to join"
    [[ "$JOIN_SERVER" =~ ^https://[A-Za-z0-9.-]+:[0-9]+$ ]] || usage_error "join needs --server https://<server-ip>:6443 (from: ssh qs nodes:join-command)"
    [ -n "$JOIN_TOKEN" ] || usage_error "join needs --token (from: ssh qs nodes:join-command)"
  else
    [ "${#join_only[@]}" -eq 0 ] || usage_error "${join_only[*]} belong to: install.sh join --server … --token …"
  fi
  if [ -n "$DOMAIN" ] && ! [[ "$DOMAIN" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$ ]]; then
    usage_error "--domain $DOMAIN: expected a lower-case DNS name such as apps.example.com"
  fi
  if [ -n "$EMAIL" ] && ! [[ "$EMAIL" =~ ^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$ ]]; then
    usage_error "--email $EMAIL: expected an address such as you@example.com"
  fi
  [[ "$K3S_VERSION" =~ ^v1\.([0-9]+)\.[0-9]+\+k3s[0-9]+$ ]] || usage_error "--k3s-version $K3S_VERSION: expected a k3s release such as $K3S_VERSION_DEFAULT"
  # deploy/policy needs ValidatingAdmissionPolicy (GA in Kubernetes 1.30).
  [ "${BASH_REMATCH[1]}" -ge 30 ] || usage_error "--k3s-version $K3S_VERSION: QuickStack needs k3s v1.30 or newer"
}

# What the machine reports; in dry-run only, QS_TEST_* may stand in (see the header).
read_machine() {
  OS_RELEASE_FILE=/etc/os-release MEMINFO_FILE=/proc/meminfo K3S_CONFIG_READ=$K3S_CONFIG_FILE
  MACHINE_ARCH=$(uname -m)
  USERNS_KNOB=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
  AUTHORIZED_KEYS=$(invoking_user_home)/.ssh/authorized_keys
  OPTIONS_READ=$QS_OPTIONS_FILE
  unset PORTS_IN_USE EXISTING_SECRETS
  local overrides
  overrides=$(compgen -v QS_TEST_ || true)
  if is_dry_run; then
    OS_RELEASE_FILE=${QS_TEST_OS_RELEASE:-$OS_RELEASE_FILE}
    MEMINFO_FILE=${QS_TEST_MEMINFO:-$MEMINFO_FILE}
    MACHINE_ARCH=${QS_TEST_ARCH:-$MACHINE_ARCH}
    USERNS_KNOB=${QS_TEST_USERNS_KNOB:-$USERNS_KNOB}
    K3S_CONFIG_READ=${QS_TEST_K3S_CONFIG:-$K3S_CONFIG_READ}
    AUTHORIZED_KEYS=${QS_TEST_AUTHORIZED_KEYS:-$AUTHORIZED_KEYS}
    OPTIONS_READ=${QS_TEST_OPTIONS:-$OPTIONS_READ}
    if [ -n "${QS_TEST_PORTS_IN_USE+x}" ]; then PORTS_IN_USE=$QS_TEST_PORTS_IN_USE; fi
    if [ -n "${QS_TEST_SECRETS+x}" ]; then EXISTING_SECRETS=$QS_TEST_SECRETS; fi
  elif [ -n "$overrides" ]; then
    warn "ignoring $(printf '%s ' "$overrides")(QS_TEST_* only apply with --dry-run)"
    overrides=""
  fi
  if is_dry_run && [ -n "${QS_TEST_K3S_VERSION+x}" ]; then
    K3S_INSTALLED_VERSION=$QS_TEST_K3S_VERSION
    K3S_ROLE=${QS_TEST_K3S_ROLE:-server}
  else
    K3S_INSTALLED_VERSION=$( (k3s --version 2>/dev/null || true) | awk 'NR == 1 { print $3 }')
    K3S_ROLE=server
    if [ -x /usr/local/bin/k3s-agent-uninstall.sh ]; then K3S_ROLE=agent; fi
  fi
  # k3s names a node after its host name, lower-cased (Kubernetes names are lower case).
  NODE_NAME=$(hostname | tr '[:upper:]' '[:lower:]')
  if is_dry_run && [ -n "${QS_TEST_HOSTNAME:-}" ]; then NODE_NAME=$QS_TEST_HOSTNAME; fi
  PUBLIC_IP=""
  if [ "$UNINSTALL" = 0 ]; then
    if is_dry_run && [ -n "${QS_TEST_PUBLIC_IP+x}" ]; then
      PUBLIC_IP=$QS_TEST_PUBLIC_IP
    else
      PUBLIC_IP=$(detect_public_ip)
    fi
  fi
}

# The home of whoever ran sudo (their authorized_keys holds the key they log in with).
invoking_user_home() {
  local user=${SUDO_USER:-root}
  getent passwd "$user" | cut -d: -f6 || printf '/root'
}

# first_key_line FILE-OR-TEXT : the first OpenSSH public key line (options prefix dropped).
first_key_line() {
  grep -oE '(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+.*' | head -n 1 || true
}

resolve_admin_key() {
  ADMIN_KEY_LINE="" ADMIN_KEY_SOURCE=""
  if [ -n "$ADMIN_KEY_FLAG" ]; then
    if [ -f "$ADMIN_KEY_FLAG" ]; then
      ADMIN_KEY_LINE=$(first_key_line <"$ADMIN_KEY_FLAG")
      ADMIN_KEY_SOURCE=$ADMIN_KEY_FLAG
    else
      ADMIN_KEY_LINE=$(printf '%s\n' "$ADMIN_KEY_FLAG" | first_key_line)
      ADMIN_KEY_SOURCE=--admin-key
    fi
    [ -n "$ADMIN_KEY_LINE" ] || usage_error "--admin-key: expected an OpenSSH public key line (ssh-ed25519 AAAA… comment) or a .pub file"
  elif [ -r "$AUTHORIZED_KEYS" ]; then
    ADMIN_KEY_LINE=$(first_key_line <"$AUTHORIZED_KEYS")
    ADMIN_KEY_SOURCE=$AUTHORIZED_KEYS
  fi
}

choose_domain() {
  DOMAIN_FROM_IP=0
  if [ -z "$DOMAIN" ] && [ -n "$PUBLIC_IP" ]; then
    # sslip.io answers <ip>.sslip.io (and any name under it) with <ip>: HTTPS and app
    # names work before the user owns a domain.
    DOMAIN="$PUBLIC_IP.sslip.io"
    DOMAIN_FROM_IP=1
  fi
}

check_deploy_dir() {
  DEPLOY_DIR=$(cd "$SCRIPT_DIR/.." && pwd)/deploy
  if [ ! -f "$DEPLOY_DIR/kustomization.yaml" ] || [ ! -f "$DEPLOY_DIR/crds/kustomization.yaml" ]; then
    problem "the QuickStack manifests are missing ($DEPLOY_DIR): run install.sh from a complete QuickStack checkout"
  fi
}

install_packages() {
  step "Installing system packages"
  local pkgs=(ca-certificates curl openssl)
  if [ "$MODE" = install ]; then pkgs+=(apache2-utils); fi
  if [ "$WITH_LONGHORN" = 1 ]; then pkgs+=(open-iscsi nfs-common); fi
  # A freshly booted Ubuntu runs unattended-upgrades for minutes, holding apt's and dpkg's
  # locks: wait for it instead of failing. DPkg::Lock::Timeout covers the gap after.
  wait_for "apt and dpkg to be free (unattended upgrades after boot)" 900 apt_idle
  run apt-get -o DPkg::Lock::Timeout=300 update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${pkgs[@]}"
}

banner() {
  local what=$1
  if is_dry_run; then
    step "QuickStack $QS_INSTALLER_VERSION: $what (dry run: nothing will be changed)"
  else
    step "QuickStack $QS_INSTALLER_VERSION: $what"
  fi
}

main_install() {
  banner "install a server"
  QS_IMAGE=${QUICKSTACK_IMAGE:-}
  read_machine
  # A server installed --with-longhorn keeps it on re-runs without the flag.
  if [ "$WITH_LONGHORN" = 0 ] && grep -qx with-longhorn "$OPTIONS_READ" 2>/dev/null; then
    WITH_LONGHORN=1
    info "with Longhorn (recorded in $QS_OPTIONS_FILE)"
  fi
  resolve_admin_key
  choose_domain
  check_deploy_dir
  preflight_server
  info "domain $DOMAIN$([ "$DOMAIN_FROM_IP" = 1 ] && printf ' (no --domain given)')"
  install_packages
  if [ "$WITH_LONGHORN" = 1 ]; then longhorn_prerequisites; fi
  record_options
  allow_rootless_buildkit
  write_server_config
  write_registries
  install_k3s server
  wait_for_kubernetes
  install_cert_manager
  install_cluster_issuer
  if [ "$WITH_LONGHORN" = 1 ]; then install_longhorn; fi
  create_namespace
  generate_secrets
  create_first_admin
  create_backup_key
  pin_builder_images
  pin_backup_image
  pin_base_images
  apply_quickstack
  wait_for_quickstack
  print_totp_enrolment
  print_backup_key
  print_summary
}

main_join() {
  banner "join $JOIN_SERVER as a node"
  read_machine
  preflight_agent
  install_packages
  if [ "$WITH_LONGHORN" = 1 ]; then longhorn_prerequisites; fi
  allow_rootless_buildkit
  write_agent_config
  write_registries
  install_k3s agent
  wait_for_agent
  step "This VPS is now a node of $JOIN_SERVER"
  info "check with: ssh qs nodes"
}

main() {
  parse_args "$@"
  if [ "$UNINSTALL" = 1 ]; then
    banner "uninstall"
    read_machine
    uninstall
    return
  fi
  if [ "$MODE" = join ]; then main_join; else main_install; fi
}

main "$@"
