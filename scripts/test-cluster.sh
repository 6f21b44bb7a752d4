#!/usr/bin/env bash
# The cluster test profile: test/cluster/*.test.ts on a fresh temporal-server + PostgreSQL
# (started by test/global-setup.ts, stopped by test/global-teardown.ts). CI calls this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/ensure-deps.sh
source scripts/cluster/build.sh
GIFTFLOW_TEST_SERVER=cluster exec npx jest "$@"
