#!/usr/bin/env bash
# Headless Chromium from Debian's packages for the browser tests (Playwright drives it; it never
# downloads a browser of its own).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "setup: chromium is installed ($(chromium --version 2>/dev/null | head -1))"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: chromium is missing; install Debian's package: sudo apt-get install chromium" >&2
  exit 1
fi
echo "setup: installing chromium from Debian's packages ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "setup: $(chromium --version | head -1)"
