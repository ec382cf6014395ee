#!/usr/bin/env bash
# make run: the platform with demo data at http://127.0.0.1:8000
source "$(dirname "$0")/common.sh"
use_database run
# Debug pages off: the demo is shown to committee members, who should see the platform's own 404 and
# error pages, not Django's technical ones (DEBUG=1 make run for those). Static files are then served
# by WhiteNoise from STATIC_ROOT, hence collectstatic (only changed files are copied on later runs).
export DEBUG=${DEBUG:-0}
# runserver starts a thread per request: connections kept open per thread would pile up (settings).
export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-0}
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p .local
  [ -s .local/secret_key ] || python -c "import secrets; print(secrets.token_urlsafe(50))" > .local/secret_key
  SECRET_KEY=$(cat .local/secret_key); export SECRET_KEY
fi
python manage.py migrate --noinput -v0
python manage.py collectstatic --noinput -v0
python manage.py setup_demo
echo "Serving at http://127.0.0.1:${PORT:-8000}  (Ctrl-C to stop)"
exec python manage.py runserver --noreload "${BIND_ADDRESS:-127.0.0.1}:${PORT:-8000}"
