#!/usr/bin/env bash
# `npm run bench`: runs every scripts/bench/*.ts and prints its figures. Benchmarks only
# report numbers (and the target they aim at); they never fail on timings.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
status=0
for bench in scripts/bench/*.ts; do
  echo "=====> ${bench#scripts/bench/}"
  node "$bench" || status=1
done
exit "$status"
