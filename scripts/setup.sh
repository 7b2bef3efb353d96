#!/usr/bin/env bash
# Installs what QuickStack's dev mode and tests need on a Debian machine, skipping what
# is already there: Debian packages, Node 24 (via scripts/env.sh), npm dependencies.
# Daemons are never started here; the test run and dev mode start their own.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have git || need_apt+=(git)
have ssh || need_apt+=(openssh-client)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
have redis-server || need_apt+=(redis-server)
have docker-registry || need_apt+=(docker-registry)
have chromium || need_apt+=(chromium)
have shellcheck || need_apt+=(shellcheck)
have g++ || need_apt+=(g++ make python3)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "-----> Installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo " !     these packages are missing and installing them needs root:" >&2
    echo "       sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' own services from starting (we start our own). It is
  # ours only while we install: left behind, no Debian service would ever start again, so
  # it goes when the install ends, also on failure; one that was already there stays.
  # (POLICY_RC_D only lets the tests point this at a scratch file.)
  policy_rc_d=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
  if [ ! -e "$policy_rc_d" ]; then
    trap 'rm -f "$policy_rc_d"' EXIT
    printf '#!/bin/sh\nexit 101\n' > "$policy_rc_d" && chmod +x "$policy_rc_d"
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    rm -f "$policy_rc_d"
    trap - EXIT
  else
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  fi
fi

# shellcheck source=scripts/env.sh
source scripts/env.sh

stamp=node_modules/.qs-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ "$(cat "$stamp")" != "$(node --version)" ]; then
  echo "-----> npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  node --version > "$stamp"
fi
