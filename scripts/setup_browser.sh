#!/usr/bin/env bash
# Headless Chromium from Debian's packages for the browser tests (Playwright drives it; it never
# downloads a browser of its own), plus the colour emoji font the chat's 👍/👎 and CSAT symbols need
# (office PCs have one; without it the screenshots show empty boxes).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Color Emoji" || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: chromium is installed ($(chromium --version 2>/dev/null | head -1))"
  exit 0
fi
"$(dirname "$0")/apt_install.sh" "${missing[@]}"
echo "setup: $(chromium --version | head -1)"
