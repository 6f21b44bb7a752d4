#!/usr/bin/env bash
# Debian packages the tests drive: Chromium for the Web UI test (test tools' own browser
# downloads are not reachable here) and promtool, from the prometheus package, for the metrics
# test's alert rules and dashboard queries. Installs each missing one when this shell may (root
# with apt-get); otherwise says how, and the test that needs it fails naming the same fix.
set -uo pipefail

# ensure PACKAGE PURPOSE HINT CHECK...: installs PACKAGE unless the command CHECK... succeeds.
ensure() {
  local package="$1" purpose="$2" hint="$3"
  shift 3
  "$@" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    local log="/tmp/giftflow-$package-install.log"
    echo "Installing Debian's $package for $purpose (apt-get)..." >&2
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package"; } >"$log" 2>&1 \
      || { tail -n 20 "$log" >&2; echo "installing $package failed" >&2; }
  else
    echo "$hint" >&2
  fi
}

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
ensure chromium "the Web UI test" \
  "chromium not found at $chromium: install it (apt-get install chromium) or set CHROMIUM_PATH, or the Web UI test fails" \
  test -x "$chromium"
ensure prometheus "promtool (the metrics test)" \
  "promtool not found: install Debian's prometheus package (apt-get install prometheus), or the metrics test fails" \
  command -v promtool
exit 0
