#!/usr/bin/env bash
# make test: lint, then the whole pytest suite on a throw-away PostGIS database.
SSE_SYSTEM_PACKAGES_OPTIONS=--with-browser
source "$(dirname "$0")/common.sh"
use_database test
ruff check .
ruff format --check .
set +e
python -m pytest "$@"
status=$?
set -e
# pytest's 5 means "no tests ran": that must never pass as success.
exit $status
