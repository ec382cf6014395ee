#!/usr/bin/env bash
# make run: the platform with demo data at http://127.0.0.1:8000
source "$(dirname "$0")/common.sh"
use_database run
export DEBUG=${DEBUG:-1}
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p .local
  [ -s .local/secret_key ] || python -c "import secrets; print(secrets.token_urlsafe(50))" > .local/secret_key
  SECRET_KEY=$(cat .local/secret_key); export SECRET_KEY
fi
python manage.py migrate --noinput -v0
python manage.py setup_demo
echo "Serving at http://127.0.0.1:${PORT:-8000}  (Ctrl-C to stop)"
exec python manage.py runserver --noreload "${BIND_ADDRESS:-127.0.0.1}:${PORT:-8000}"
