#!/usr/bin/env bash
# Debian's PostgreSQL, Redis and nginx for `make run-cluster` and `make test-cluster` (installed when missing).
# scripts/cluster.py starts servers of its own from the binaries, with their data under var/cluster/ (PostgreSQL's
# under /tmp when run as root, see README "Betrieb mit mehreren Instanzen"); the system's services are not used.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: PostgreSQL, Redis and nginx are installed"
  exit 0
fi
"$(dirname "$0")/apt_install.sh" "${missing[@]}"
# The packages start their system services on Debian; ours run apart from them, so those are stopped again
# where a service manager runs (a container without one has nothing to stop).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for unit in redis-server nginx; do systemctl disable --now "$unit" >/dev/null 2>&1 || true; done
fi
echo "setup: installed ${missing[*]}"
