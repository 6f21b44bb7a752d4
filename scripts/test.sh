#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/ensure-deps.sh
bash scripts/ensure-chromium.sh
bash scripts/ensure-promtool.sh
npx tsc --noEmit
npx jest "$@"
