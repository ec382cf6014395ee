"""Test overlay: the real PostGIS from DATABASE_URL, fast password hashing."""

import os

# Tests never run with a real secret; set one before base.py insists on it.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment")

from .base import *  # noqa: E402, F403

# Hashing passwords at full strength makes user-heavy tests slow for no gain.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests hit the API far faster than any person would.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"}}  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
