"""Benchmark overlay: production-like (DEBUG off, no query logging), with a throw-away key."""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-any-deployment")

from .base import *  # noqa: E402, F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
