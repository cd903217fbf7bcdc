#!/usr/bin/env bash
# Install the Debian packages named as arguments (setup_browser.sh, setup_ocr.sh): as root with apt-get, else
# name the command to run and fail. Nothing to do without arguments.
set -euo pipefail
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages: sudo apt-get install $*" >&2
  exit 1
fi
echo "setup: installing $* from Debian's packages ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
