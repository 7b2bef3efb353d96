#!/usr/bin/env bash
# The one test command (README): installs what is missing, then runs the import-arrow
# check, typecheck, lint and every Vitest project (unit, integration, e2e). Vitest's
# global setup starts redis-server and docker-registry on free loopback ports and stops
# them at the end. Then the local real Kubernetes (test/cluster: built from its Go
# modules once per machine) is started for the `cluster` project (the contract suites
# and *.cluster.test.ts against the real API server) and stopped at the end, whatever
# happened. Extra arguments go to vitest (e.g. --project unit); a run limited to other
# projects, or QS_TEST_CLUSTER=0, leaves the cluster alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh

with_cluster=1
if [ "${QS_TEST_CLUSTER:-1}" = 0 ]; then
  with_cluster=0
elif [[ " $* " == *" --project "* && " $* " != *" --project cluster"* ]]; then
  with_cluster=0
fi
if [ "$with_cluster" = 1 ]; then
  echo "-----> Local Kubernetes cluster: prerequisites and build (cached under .tools/cluster)"
  bash test/cluster/setup.sh
  bash test/cluster/build.sh >/dev/null
fi
# kubectl at the cluster's pinned version, built with it (the machine may have none).
kube_bin=$(bash test/cluster/build.sh --print | sed -n 's/^kubernetes=//p')
[ -x "$kube_bin/kubectl" ] && export PATH="$kube_bin:$PATH"

echo "-----> Checking import arrows"
node scripts/check-arrows.ts
echo "-----> Typecheck"
npx tsc -p tsconfig.json
echo "-----> Lint"
npx eslint --max-warnings 0 .
echo "-----> shellcheck"
shellcheck scripts/*.sh scripts/install/*.sh deploy/image/build.sh test/cluster/*.sh .ci/run
echo "-----> Tests"
mkdir -p test-output
status=0
if [ "$with_cluster" = 1 ]; then
  trap 'node test/cluster/src/cluster.ts down || true' EXIT
  t0=$(date +%s)
  node test/cluster/src/cluster.ts up
  echo "       (cluster start took $(($(date +%s) - t0)) s)"
  QS_CLUSTER_KUBECONFIG="$(pwd)/.qs/cluster/admin.kubeconfig"
  export QS_CLUSTER_KUBECONFIG
fi
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@" || status=$?
# One plain summary line ("N passed, N failed") that any CI log reader understands.
node scripts/test-summary.ts test-output/vitest.json || true
exit "$status"
