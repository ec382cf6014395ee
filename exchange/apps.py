from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Data exchange: file import, exports, interoperability formats and the REST API."""

    name = "exchange"
    default_auto_field = "django.db.models.BigAutoField"
