#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (tests/report/).
# Idempotent and quiet: exits 0 at once when a Chromium is already there; as
# root (CI) installs the `chromium` package with apt; otherwise says what to do
# and exits 0, so the browser test skips with its own visible reason.
# Prints one line saying what it did.
set -u

for candidate in "${CHROMIUM:-}" chromium chromium-browser google-chrome; do
  [ -n "$candidate" ] || continue
  if found=$(command -v "$candidate" 2>/dev/null); then
    echo "chromium: already installed ($found)"
    exit 0
  fi
done

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not installed and cannot install it here (needs root and apt-get);" \
    "the browser test will be skipped - install it with: apt-get install chromium"
  exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 &&
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >>"$log" 2>&1; then
  echo "chromium: installed $(chromium --version 2>/dev/null || echo 'Debian chromium') with apt-get"
  exit 0
fi
echo "chromium: apt-get install chromium failed; last lines of its output:" >&2
tail -n 5 "$log" >&2
exit 1
