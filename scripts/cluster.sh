#!/usr/bin/env bash
# `npm run cluster`: builds what is missing (npm dependencies, the Temporal CLI, temporal-server,
# temporal-sql-tool, the UI server), then runs the cluster in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/ensure-deps.sh
source scripts/cluster/build.sh
exec node --require tsx/cjs scripts/cluster.ts "$@"
