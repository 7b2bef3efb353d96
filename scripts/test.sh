#!/usr/bin/env bash
# The one test command (README): installs what is missing, then runs the import-arrow
# check, typecheck, lint and every Vitest project (unit, integration, e2e). Vitest's
# global setup starts redis-server and docker-registry on free loopback ports and stops
# them at the end. The local real Kubernetes (test/cluster: built from its Go modules once
# per machine) starts beside typecheck and lint, for the `cluster` projects (the contract suites
# and *.cluster.test.ts against the real API server) and stopped at the end, whatever
# happened. Extra arguments go to vitest (e.g. --project unit); a run limited to other
# projects, or QS_TEST_CLUSTER=0, leaves the cluster alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# Where the time went, printed on the last line (a CI log reader often sees only the tail).
stages=()
stage_start=$SECONDS
mark() {
  stages+=("$1 $((SECONDS - stage_start)) s")
  stage_start=$SECONDS
}
bash scripts/setup.sh
mark "setup"
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
  mark "cluster build"
fi
# kubectl at the cluster's pinned version, built with it (the machine may have none).
kube_bin=$(bash test/cluster/build.sh --print | sed -n 's/^kubernetes=//p')
[ -x "$kube_bin/kubectl" ] && export PATH="$kube_bin:$PATH"

# The cluster starts in the background while the static checks run (it mostly waits).
mkdir -p test-output
if [ "$with_cluster" = 1 ]; then
  t0=$(date +%s)
  node test/cluster/src/cluster.ts up >test-output/cluster-up.log 2>&1 &
  cluster_pid=$!
  trap 'kill "$cluster_pid" 2>/dev/null || true; wait "$cluster_pid" 2>/dev/null || true; node test/cluster/src/cluster.ts down || true' EXIT
fi

echo "-----> Checking import arrows"
node scripts/check-arrows.ts
# Typecheck and lint are single-threaded: run them side by side, print each in turn.
echo "-----> Typecheck and lint"
npx tsc -p tsconfig.json >test-output/tsc.log 2>&1 &
tsc_pid=$!
lint=0
npx eslint --max-warnings 0 . >test-output/eslint.log 2>&1 || lint=$?
typecheck=0
wait "$tsc_pid" || typecheck=$?
cat test-output/tsc.log test-output/eslint.log
[ "$typecheck" = 0 ] || { echo " !     typecheck failed" >&2; exit 1; }
[ "$lint" = 0 ] || { echo " !     lint failed" >&2; exit 1; }
echo "-----> shellcheck"
shellcheck scripts/*.sh scripts/install/*.sh deploy/image/build.sh test/cluster/*.sh .ci/run
mark "checks"
echo "-----> Tests"
status=0
if [ "$with_cluster" = 1 ]; then
  up=0
  wait "$cluster_pid" || up=$?
  cat test-output/cluster-up.log
  [ "$up" = 0 ] || { echo " !     the local cluster did not start (test-output/cluster-up.log)" >&2; exit 1; }
  echo "       (cluster start took $(($(date +%s) - t0)) s, beside the checks)"
  QS_CLUSTER_KUBECONFIG="$(pwd)/.qs/cluster/admin.kubeconfig"
  export QS_CLUSTER_KUBECONFIG
  mark "waiting for the cluster"
fi
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@" || status=$?
if [ "$with_cluster" = 1 ] && [ "$status" != 0 ]; then
  # Whether a cluster daemon died during the run (and its last words) explains many failures.
  echo "-----> The local cluster after the failed run"
  node test/cluster/src/cluster.ts status || true
fi
# One plain summary line ("N passed, N failed") that any CI log reader understands.
node scripts/test-summary.ts test-output/vitest.json || true
mark "tests"
(IFS=,; echo "Time: ${stages[*]}; whole run $SECONDS s" | sed 's/,/, /g')
exit "$status"
