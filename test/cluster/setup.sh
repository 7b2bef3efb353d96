#!/usr/bin/env bash
# Installs the Debian packages the local test cluster needs, skipping those already
# there (the cluster's own programs are built from Go modules by build.sh). Installs
# start no service: policy-rc.d refuses them for the duration and is removed after.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have iptables || need+=(iptables)
have conntrack || need+=(conntrack)
have ip || need+=(iproute2)
have openssl || need+=(openssl)
have gcc || need+=(gcc libc6-dev)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
[ -x /bin/busybox ] || need+=(busybox-static)
pkg-config --exists libseccomp 2>/dev/null || need+=(libseccomp-dev pkg-config)
# The test images (pause, builders, stack bases, servers) start from Debian root filesystems.
have debootstrap || need+=(debootstrap)
[ "${#need[@]}" -eq 0 ] && exit 0
echo "-----> Installing Debian packages for the local cluster: ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo " !     installing them needs root: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
added_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  added_policy=1
fi
cleanup() { [ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; return 0; }
trap cleanup EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
