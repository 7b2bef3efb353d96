#!/usr/bin/env bash
# The one test command (README): installs what is missing, then runs the import-arrow
# check, typecheck, lint and every Vitest project (unit, integration, e2e). Vitest's
# global setup starts redis-server and docker-registry on free loopback ports and stops
# them at the end. Extra arguments go to vitest (e.g. --project unit).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh

echo "-----> Checking import arrows"
node scripts/check-arrows.ts
echo "-----> Typecheck"
npx tsc -p tsconfig.json
echo "-----> Lint"
npx eslint --max-warnings 0 .
echo "-----> shellcheck"
shellcheck scripts/*.sh scripts/install/*.sh deploy/image/build.sh .ci/run
echo "-----> Tests"
mkdir -p test-output
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@" || status=$?
# One plain summary line ("N passed, N failed") that any CI log reader understands.
node scripts/test-summary.ts test-output/vitest.json || true
exit "$status"
