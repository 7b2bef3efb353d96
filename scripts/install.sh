#!/usr/bin/env bash
# QuickStack installer: turns a fresh Debian/Ubuntu VPS into a QuickStack server, or
# (`join`) into one more k3s node of an existing one. Idempotent: running it again
# upgrades or repairs. Run from a QuickStack checkout (it applies ../deploy). See
# deploy/INSTALL.md for what each step does.
#
#   sudo scripts/install.sh [--domain D] [--email E] [--admin-key KEY|FILE]
#                           [--k3s-version V] [--with-longhorn] [--dry-run]
#   sudo scripts/install.sh join --server https://IP:6443 --token TOKEN [--with-longhorn] [--dry-run]
#   sudo scripts/install.sh --uninstall [--dry-run]
#
# --dry-run prints every action in order (`would: …`) and changes nothing. Only then may
# QS_TEST_* variables stand in for what the machine reports (tests use them):
#   QS_TEST_OS_RELEASE, QS_TEST_MEMINFO (file paths), QS_TEST_ARCH (uname -m),
#   QS_TEST_PORTS_IN_USE (e.g. "80,6443"), QS_TEST_PUBLIC_IP, QS_TEST_K3S_VERSION
#   (installed k3s, "" = none), QS_TEST_K3S_ROLE (server|agent), QS_TEST_K3S_CONFIG
#   (existing k3s config.yaml), QS_TEST_SECRETS (existing qs-system Secrets, comma list),
#   QS_TEST_AUTHORIZED_KEYS (the invoking user's authorized_keys), QS_TEST_HOSTNAME (this
#   node's name), QS_TEST_USERNS_KNOB (AppArmor's user-namespace sysctl file),
#   QS_TEST_WIREGUARD (yes|no: the kernel has the WireGuard module), QS_TEST_OPTIONS
#   (/etc/quickstack/options: choices an earlier install recorded).
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/install/main.sh" "$@"
