#!/usr/bin/env bash
# Runs Node 24 (installing it into .tools/ first if the machine's node is older): used by
# the npm scripts so `npm run …` works whatever `node` the shell has.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "$0")/env.sh"
exec "$@"
