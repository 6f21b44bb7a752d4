#!/usr/bin/env bash
# Installs npm dependencies and resolves the Temporal CLI, exporting TEMPORAL_CLI (absolute).
# Source it to get TEMPORAL_CLI in the calling shell; run it to just make sure both exist.
# Quiet when everything is already in place.

TEMPORAL_CLI_MODULE=github.com/temporalio/cli/cmd/temporal@v1.5.1

_giftflow_ensure_deps() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

  # npm rewrites node_modules/.package-lock.json on every install, so it dates the tree.
  # `npm ci`: it installs exactly the committed lock and never rewrites it (`npm install`
  # may, which left a newcomer's tree dirty). The lock lists every platform's optional
  # native packages (@swc/core-*, @esbuild/*), so the same lock installs on macOS, Windows
  # and arm64 Linux; test/newcomer.test.ts checks that it stays so.
  if [ ! -f "$root/node_modules/.package-lock.json" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    echo "Installing npm dependencies (npm ci)..." >&2
    (cd "$root" && npm ci --no-audit --no-fund) >&2 || return 1
  fi

  local cli=""
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    cli="$(command -v "$TEMPORAL_CLI" || true)"
    if [ -n "$cli" ] && [ -x "$cli" ] && [ -f "$cli" ]; then
      cli="$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")"
    else
      echo "TEMPORAL_CLI=$TEMPORAL_CLI is not executable; looking for another Temporal CLI" >&2
      cli=""
    fi
  fi
  if [ -z "$cli" ] && command -v temporal >/dev/null 2>&1; then
    # `server start-dev` has --sqlite-pragma and --search-attribute from CLI 1.3 on. A go
    # install build reports 0.0.0-DEV, so for that one ask its help for the flags instead.
    local version
    version="$(temporal --version 2>/dev/null | sed -n 's/^temporal version \([0-9]*\.[0-9]*\.[0-9]*\(-DEV\)\{0,1\}\).*/\1/p' || true)"
    if [ "$version" = 0.0.0-DEV ]; then
      local help
      help="$(temporal server start-dev --help 2>/dev/null || true)"
      if [[ "$help" == *--sqlite-pragma* && "$help" == *--search-attribute* ]]; then
        cli="$(command -v temporal)"
      fi
    elif [ -n "$version" ] && printf '1.3.0\n%s\n' "$version" | sort -V -C; then
      cli="$(command -v temporal)"
    fi
  fi
  if [ -z "$cli" ] && [ -x "$root/.tools/bin/temporal" ]; then
    cli="$root/.tools/bin/temporal"
  fi
  if [ -z "$cli" ]; then
    if ! command -v go >/dev/null 2>&1; then
      cat >&2 <<MSG
The Temporal CLI (>= 1.3) was not found and Go is not installed to build it. Either:
  - install Go (https://go.dev/dl/), then run: GOBIN="$root/.tools/bin" go install $TEMPORAL_CLI_MODULE
  - or point TEMPORAL_CLI at an existing temporal binary: export TEMPORAL_CLI=/path/to/temporal
MSG
      return 1
    fi
    echo "Building the Temporal CLI into .tools/bin with go install (the first build takes a few minutes)..." >&2
    mkdir -p "$root/.tools/bin"
    if ! GOBIN="$root/.tools/bin" go install "$TEMPORAL_CLI_MODULE" >"$root/.tools/build.log" 2>&1; then
      tail -n 20 "$root/.tools/build.log" >&2
      echo "Building the Temporal CLI failed (full log: .tools/build.log)" >&2
      return 1
    fi
    cli="$root/.tools/bin/temporal"
  fi
  export TEMPORAL_CLI="$cli"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  _giftflow_ensure_deps || return 1
else
  set -euo pipefail
  _giftflow_ensure_deps
fi
