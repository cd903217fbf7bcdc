#!/usr/bin/env bash
# PostgreSQL from Debian's packages for `make test-pg` (ops/pg.py starts a throwaway server of its own from the
# binaries; the system's cluster is not used). As root the server runs as the package's `postgres` user.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup: PostgreSQL is installed ($(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1))"
  exit 0
fi
"$(dirname "$0")/apt_install.sh" postgresql
echo "setup: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -1) installed"
