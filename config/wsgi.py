"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_application = get_wsgi_application()

# The signed-in live map layer skips Django's request cycle (PERFORMANCE.md B2); it needs the apps loaded.
from mapping.fast_lane import FastLaneApplication  # noqa: E402

application = FastLaneApplication(django_application)
