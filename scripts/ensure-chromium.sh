#!/usr/bin/env bash
# The Web UI test drives Debian's Chromium (test tools' own browser downloads are not
# reachable here). Installs it when missing and this shell may (root with apt-get);
# otherwise says how, and the Web UI test fails naming the same fix.
set -uo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the Web UI test (apt-get)..." >&2
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } >/tmp/giftflow-chromium-install.log 2>&1 \
    || { tail -n 20 /tmp/giftflow-chromium-install.log >&2; echo "installing chromium failed" >&2; }
else
  echo "chromium not found at $chromium: install it (apt-get install chromium) or set CHROMIUM_PATH, or the Web UI test fails" >&2
fi
exit 0
