"""Settings read from the environment; overlays (test, production) import from here.

Environment:
  DATABASE_URL   postgis://user:pass@host:port/name (required; `make run` and
                 `make test` provide one for their private clusters)
  SECRET_KEY     required unless DEBUG is on
  DEBUG          1/true to enable debug pages (never in production)
  ALLOWED_HOSTS  comma-separated host names
  MAP_TILES_URL  optional tile layer URL template; empty means no external tiles
  MAP_TILES_ATTRIBUTION  attribution shown with that tile layer
  MAP_PREPARED_STATEMENTS  0/false to run the live map's statements unprepared
                 (needed only behind a connection pooler that does not keep
                 a server session per client connection)
  MAP_FAST_LANE  0/false to send the signed-in live map layer through Django's
                 whole request cycle too (mapping.fast_lane)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test`, which provision a private "
        "PostGIS, or point DATABASE_URL at your own PostGIS database (postgis://...)."
    )
# Persistent connections: a worker keeps its connection for 10 minutes. A new
# one costs ~4 ms to open plus ~14 ms on its first map statement while the
# server process loads its catalog caches (measured for B2); no health check
# (it would add a round trip to every request; a dead connection fails one
# request and is replaced).
try:
    # Connections kept open between requests (seconds): 600 under gunicorn's long-lived workers. Django's
    # runserver starts a thread per request and each would keep its own connection open that long, until
    # PostgreSQL refuses more ("too many clients"): make run sets DB_CONN_MAX_AGE=0.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600"))
        )
    }
except (ValueError, dj_database_url.UnknownSchemeError) as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL ({exc}); expected postgis://user:password@host:port/name"
    ) from exc
# GeoDjango needs the PostGIS backend whatever scheme the URL used.
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "leaflet",
    "rest_framework",
    "rest_framework_gis",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # Our apps. Dependencies point one way: exchange -> mapping -> legislation -> registry.
    "registry",
    "legislation",
    "mapping",
    "exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions stay in the database, so logging out or changing the password ends
# a session on every worker and host at once. registry.sessions keeps them in
# a table with the user as a column, so the live map can read session, user and
# layer in one statement (PERFORMANCE.md B2). No cache is involved.
SESSION_ENGINE = "registry.sessions"
# ModelBackend that reads the user's country roles in the same statement as
# the user, on every request (registry.permissions.RoleLoadingBackend).
AUTHENTICATION_BACKENDS = ["registry.permissions.RoleLoadingBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "registry:home"  # the home page lives in the registry app's namespace
LOGOUT_REDIRECT_URL = "registry:home"  # namespaced like LOGIN_REDIRECT_URL; "home" made logging out a 500

LANGUAGE_CODE = "en"
# The languages of the five countries' committees, besides English.
LANGUAGES = [
    ("en", "English"),
    ("km", "ភាសាខ្មែរ"),
    ("ky", "Кыргызча"),
    ("mn", "Монгол"),
    ("th", "ไทย"),
    ("vi", "Tiếng Việt"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (development, tests) WhiteNoise serves from the finders.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: refuse large request bodies early; the importer sets its own file cap.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Exports too large for a request are prepared in the background and kept (privately, under
# MEDIA_ROOT/exports) for this many days.
EXPORT_KEEP_DAYS = int(os.environ.get("EXPORT_KEEP_DAYS", "7"))
# How many background export workers (processes of up to about 500 MB each) may run at once.
EXPORT_WORKERS = int(os.environ.get("EXPORT_WORKERS", "2"))

# Storage SRID for every geometry: the data arrives in lon/lat and committees
# cross borders, so EPSG:4326 everywhere; metric work uses geography casts.
STORAGE_SRID = 4326

# How far outside the generalized (1:10m) coastline a point may lie and still
# be placed in the nearest area of its country, in metres.
COAST_TOLERANCE_METRES = float(os.environ.get("COAST_TOLERANCE_METRES", "2000"))

_tiles_url = os.environ.get("MAP_TILES_URL", "").strip()
# Registry: the entity form warns about an entity with a similar name (trigram
# similarity, diacritics ignored) within this distance before saving.
REGISTRY_DUPLICATE_DISTANCE_METRES = float(os.environ.get("REGISTRY_DUPLICATE_DISTANCE_METRES", "2000"))
REGISTRY_DUPLICATE_SIMILARITY = float(os.environ.get("REGISTRY_DUPLICATE_SIMILARITY", "0.45"))
REGISTRY_PAGE_SIZE = 50
# The live map prepares its signed-in statement once per database connection
# (mapping.sql._execute_prepared): planning it costs more than running it.
MAP_PREPARED_STATEMENTS = env_bool("MAP_PREPARED_STATEMENTS", default=True)
# gunicorn's application (config.wsgi) answers a signed-in reader's close view of the live map without
# Django's middleware and URL resolver (mapping.fast_lane): they cost a third of what B2 allows.
MAP_FAST_LANE = env_bool("MAP_FAST_LANE", default=True)

LEAFLET_CONFIG = {
    # No external tiles unless a deployment configures them: the platform must
    # work offline, and boundaries and data are drawn from our own endpoints.
    "TILES": [("Base map", _tiles_url, {"attribution": os.environ.get("MAP_TILES_ATTRIBUTION", "")})]
    if _tiles_url
    else [],
    "DEFAULT_CENTER": (15.0, 100.0),
    "DEFAULT_ZOOM": 3,
    "MIN_ZOOM": 2,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
    # Lazy: django-leaflet reads it for each map, in the reader's language.
    "ATTRIBUTION_PREFIX": gettext_lazy("Boundaries: Natural Earth"),
}

CACHES = {
    # Nothing shared lives here: each process's own memory, Django's default.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The API throttles' request counts, which every process must see (exchange.throttling). Entries
    # expire with their throttle's period (a minute). Each write counts the table's rows, and past
    # MAX_ENTRIES deletes the expired ones (then a third of the rest): kept small, that count stays cheap,
    # and 5,000 clients a minute is far beyond the platform's users.
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "api_throttle_cache",
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: DRF takes the first class's WWW-Authenticate header, so a request without valid
    # credentials gets 401 (sign in again) rather than 403 (not allowed), which clients tell apart.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "exchange.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "exchange.pagination.CheckedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    # Counted in a table all server processes share (exchange.throttling), not in each one's memory.
    "DEFAULT_THROTTLE_CLASSES": [
        "exchange.throttling.SharedAnonRateThrottle",
        "exchange.throttling.SharedUserRateThrottle",
    ],
    # How many proxies in front of the platform append to X-Forwarded-For. The throttles count each client
    # by the address that many hops back; left unset, DRF would trust the whole header, and anyone could
    # send a new made-up address with each request. 0 (the default here): the connection's own address.
    "NUM_PROXIES": int(os.environ.get("API_TRUSTED_PROXIES", "0")),
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "2000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SSE mapping and cooperative registry API",
    "DESCRIPTION": "Countries, areas, SSE entities, working definitions, classifications, "
    "legal instruments, R193 assessments and published map editions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The refusals (400, 401, 403, 404, 429) are documented too (exchange/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "exchange.openapi.add_error_responses",
    ],
    # Several models have a "status" with different choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "EntityStatusEnum": "registry.models.Entity.Status",
        "DefinitionStatusEnum": "registry.models.WorkingDefinition.Status",
        "ImportBatchStatusEnum": "exchange.models.ImportBatch.Status",
        "MapEditionStatusEnum": "mapping.models.MapEdition.Status",
        "InstrumentStatusEnum": "legislation.models.Instrument.Status",
    },
}

SILENCED_SYSTEM_CHECKS = [
    # gis.W001: Debian 12's GDAL 3.6 cannot restrict file/network access from
    # GDAL itself; we never hand GDAL a user-supplied path or URL (uploads are
    # read by pyogrio from files we wrote to a private temporary directory).
    "gis.W001",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
