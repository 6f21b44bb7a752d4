#!/usr/bin/env bash
# Builds what `npm run cluster` runs into .tools/ from Go modules, at the versions that
# docker-compose.temporal.yml pins, and copies the files they need at run time out of the
# Go module cache:
#   .tools/bin/temporal-server       go.temporal.io/server/cmd/server      (temporalio/server image)
#   .tools/bin/temporal-sql-tool     go.temporal.io/server/cmd/tools/sql   (temporalio/admin-tools image)
#   .tools/bin/temporal-ui-server    github.com/temporalio/ui-server/v2    (temporalio/ui image)
#   .tools/share/temporal-<version>/schema, .tools/share/temporal-ui-<version>/config
# Quiet when everything is in place. Source it or run it; it exports nothing.
# The first build takes several minutes (the server is large); later ones hit Go's build cache.

# The Go module proxy serves no ui-server v2.52.1 (the image's tag); v2.52.0 is the nearest
# release it has. compose.test.ts checks that this stays on the image's minor version.
TEMPORAL_UI_MODULE_VERSION=v2.52.0

_giftflow_build_cluster() {
  local root compose server_version
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  compose="$root/docker-compose.temporal.yml"
  server_version="$(sed -n 's/^ *image: temporalio\/server:\([0-9][0-9.]*\)$/\1/p' "$compose")"
  if [ -z "$server_version" ]; then
    echo "docker-compose.temporal.yml pins no temporalio/server:<version> image; scripts/cluster/build.sh reads the version from it" >&2
    return 1
  fi
  local bin="$root/.tools/bin" share="$root/.tools/share"
  local server_stamp="$share/temporal-$server_version/.built" ui_stamp="$share/temporal-ui-$TEMPORAL_UI_MODULE_VERSION/.built"
  if [ -f "$server_stamp" ] && [ -f "$ui_stamp" ] && [ -x "$bin/temporal-server" ] && [ -x "$bin/temporal-sql-tool" ] && [ -x "$bin/temporal-ui-server" ]; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "Go is needed to build temporal-server $server_version (https://go.dev/dl/, Go >= 1.26.4), then run: bash scripts/cluster/build.sh" >&2
    return 1
  fi
  mkdir -p "$bin" "$share"
  local log="$root/.tools/cluster-build.log" work
  work="$(mktemp -d)"
  # go install names binaries after their package directory (server, sql): build into a
  # scratch GOBIN and give them the names the images use.
  if [ ! -f "$server_stamp" ] || [ ! -x "$bin/temporal-server" ] || [ ! -x "$bin/temporal-sql-tool" ]; then
    echo "Building temporal-server and temporal-sql-tool $server_version into .tools/bin (the first build takes several minutes)..." >&2
    if ! GOBIN="$work/server" go install "go.temporal.io/server/cmd/server@v$server_version" "go.temporal.io/server/cmd/tools/sql@v$server_version" >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      echo "Building temporal-server failed (full log: .tools/cluster-build.log)" >&2
      return 1
    fi
    mv "$work/server/server" "$bin/temporal-server"
    mv "$work/server/sql" "$bin/temporal-sql-tool"
    local module
    module="$(go env GOMODCACHE)/go.temporal.io/server@v$server_version"
    rm -rf "$share/temporal-$server_version"
    mkdir -p "$share/temporal-$server_version"
    cp -R "$module/schema" "$share/temporal-$server_version/schema"
    chmod -R u+w "$share/temporal-$server_version"
    touch "$server_stamp"
  fi
  if [ ! -f "$ui_stamp" ] || [ ! -x "$bin/temporal-ui-server" ]; then
    echo "Building temporal-ui-server $TEMPORAL_UI_MODULE_VERSION into .tools/bin..." >&2
    if ! GOBIN="$work/ui" go install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_MODULE_VERSION" >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      echo "Building temporal-ui-server failed (full log: .tools/cluster-build.log)" >&2
      return 1
    fi
    mv "$work/ui/server" "$bin/temporal-ui-server"
    local ui_module
    ui_module="$(go env GOMODCACHE)/github.com/temporalio/ui-server/v2@$TEMPORAL_UI_MODULE_VERSION"
    rm -rf "$share/temporal-ui-$TEMPORAL_UI_MODULE_VERSION"
    mkdir -p "$share/temporal-ui-$TEMPORAL_UI_MODULE_VERSION/config"
    # base.yaml, then docker.yaml on top: the configuration the temporalio/ui image runs with.
    cp "$ui_module/config/base.yaml" "$ui_module/config/docker.yaml" "$share/temporal-ui-$TEMPORAL_UI_MODULE_VERSION/config/"
    chmod -R u+w "$share/temporal-ui-$TEMPORAL_UI_MODULE_VERSION"
    touch "$ui_stamp"
  fi
  rm -rf "$work"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  _giftflow_build_cluster || return 1
else
  set -euo pipefail
  _giftflow_build_cluster
fi
