#!/usr/bin/env bash
# make bench: the performance benchmarks of PERFORMANCE.md on their own PostGIS
# cluster (generated data, deterministic). Results go to bench-results/*.md;
# BENCHMARKS.md quotes them with date and machine.
#   make bench                 every benchmark
#   make bench ARGS="B6 B7"    some of them
source "$(dirname "$0")/common.sh"
use_database bench
export DJANGO_SETTINGS_MODULE=config.settings.bench
python manage.py migrate --noinput -v0
python manage.py load_boundaries -v0
python manage.py load_registry_reference -v0  # entity families and legal forms the generated entities use
python manage.py collectstatic --noinput -v0  # served by WhiteNoise with DEBUG off, as in production
python manage.py run_benchmarks "$@"
