#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine with Python 3.11:
# the Python requirements, Playwright's Python driver (it drives Debian's Chromium; no browser
# download), Debian's chromium package for the browser tests, and Debian's PostgreSQL server with
# the PostGIS extension of its version (the store tests start a throw-away cluster). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --disable-pip-version-check -q -r requirements.txt -r requirements-test.txt

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
UPDATED=""
apt_install() {
  if [ -z "$UPDATED" ]; then $SUDO apt-get update -qq; UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v /usr/bin/chromium >/dev/null 2>&1; then
  apt_install chromium
fi
/usr/bin/chromium --version

# PostgreSQL (Debian's default major version) and the PostGIS extension built for it
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql
fi
PG_MAJOR="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! ls "/usr/share/postgresql/$PG_MAJOR/extension/postgis.control" >/dev/null 2>&1; then
  apt_install postgis "postgresql-$PG_MAJOR-postgis-3"
fi
"/usr/lib/postgresql/$PG_MAJOR/bin/postgres" --version
