#!/usr/bin/env bash
# OpenLDAP (slapd) and its command-line tools from Debian's packages, for the directory tests: they start their
# own slapd with a throwaway configuration (tests/ldap_server.py), never the packaged default database.
set -euo pipefail
missing=()
[ -x /usr/sbin/slapd ] || missing+=(slapd)
command -v ldapadd >/dev/null 2>&1 || missing+=(ldap-utils)
if [ ${#missing[@]} -gt 0 ]; then
  # The package's own configuration step would set up a database nobody uses: answer it with "omit".
  if [ "$(id -u)" -eq 0 ]; then
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  fi
  "$(dirname "$0")/apt_install.sh" "${missing[@]}"
  # The packaged service is not needed (Debian starts it after installing); the tests run their own.
  if [ "$(id -u)" -eq 0 ] && command -v service >/dev/null 2>&1; then
    service slapd stop >/dev/null 2>&1 || true
  fi
fi
echo "setup: $(/usr/sbin/slapd -VV 2>&1 | head -1 | sed 's/^@(#) \$//')"
