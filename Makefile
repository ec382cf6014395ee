# The two commands of the README: `make run` and `make test`.
# Everything they need (Debian packages, .venv, a private PostGIS) is installed
# by scripts/ on first use and skipped on later runs.
.PHONY: run test lint bench stop clean-db messages

run:
	@scripts/run.sh

test:
	@scripts/test.sh $(ARGS)

lint:
	@scripts/venv.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check .

bench:
	@scripts/bench.sh $(ARGS)

# After changing interface texts: refresh the five catalogs (locale/*/LC_MESSAGES/django.po), have them
# translated, then compile them (the compiled .mo files are committed, so nothing else needs gettext).
# DEBUG=1: the commands need settings but no secret key; nothing is served.
messages:
	@export DATABASE_URL=$${DATABASE_URL:-postgis:///unused} DEBUG=1 && scripts/system_packages.sh --with-gettext && scripts/venv.sh && \
	.venv/bin/python manage.py makemessages -l km -l ky -l mn -l th -l vi --no-obsolete \
		--ignore='.venv/*' --ignore='staticfiles/*' --ignore='tests/*' && \
	.venv/bin/python manage.py compilemessages --ignore='.venv/*'

stop:
	@scripts/postgis.sh stop run; scripts/postgis.sh stop test; scripts/postgis.sh stop bench

# Deletes the private clusters' data (the demo, test and benchmark databases).
clean-db:
	@scripts/postgis.sh clean run; scripts/postgis.sh clean test; scripts/postgis.sh clean bench
