#!/usr/bin/env bash
# The main command (README): sets up, then runs the control plane locally with a real
# redis-server and, without KUBECONFIG, the Kubernetes API double. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh
exec node scripts/dev.ts "$@"
