#!/usr/bin/env bash
# test/metrics.test.ts checks ops/prometheus-alerts.yml and the dashboard's queries with
# promtool, from Debian's prometheus package. Installs it when missing and this shell may
# (root with apt-get); otherwise says how, and the test fails naming the same fix.
set -uo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's prometheus package for promtool (apt-get)..." >&2
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; } >/tmp/giftflow-promtool-install.log 2>&1 \
    || { tail -n 20 /tmp/giftflow-promtool-install.log >&2; echo "installing prometheus (promtool) failed" >&2; }
else
  echo "promtool not found: install Debian's prometheus package (apt-get install prometheus), or the metrics test fails" >&2
fi
exit 0
