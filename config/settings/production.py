"""Production overlay: passes `manage.py check --deploy`.

Needs SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS in the environment; TLS is
expected to end at a proxy that sets X-Forwarded-Proto.
"""

from .base import *  # noqa: F403

DEBUG = False
# base.py lets DEBUG=1 run without a SECRET_KEY on a key everyone can read in this repository; production
# turns DEBUG off above, so that key would sign its sessions and password-reset links. Refuse it here.
if not os.environ.get("SECRET_KEY"):  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in production (DEBUG does not lift that here).")  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# TLS ends at one proxy (above), which appends the client's address to X-Forwarded-For.
REST_FRAMEWORK["NUM_PROXIES"] = int(os.environ.get("API_TRUSTED_PROXIES", "1"))  # noqa: F405
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
