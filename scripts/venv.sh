#!/usr/bin/env bash
# Creates .venv and installs the pinned Python dependencies; does nothing when
# requirements.txt has not changed since the last install (checked by hash).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
echo "Installing Python dependencies into .venv ..."
if ! .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt > .venv/pip.log 2>&1; then
  grep -v "is ignored" .venv/pip.log >&2; echo "pip install failed (log: .venv/pip.log)" >&2; exit 1
fi
.venv/bin/python -c "import django, django.contrib.gis, geopandas, weasyprint" # fail loudly if the install broke
echo "$want" > "$stamp"
