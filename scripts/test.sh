#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/ensure-deps.sh
bash scripts/ensure-test-tools.sh
npx tsc --noEmit
# The rules that used to live in comments: no floating promises, no Node/zod/undici/fastify in
# workflow code (eslint.config.js), and one layout for code (Prettier, printWidth 120).
npm run -s lint
npx jest "$@"
