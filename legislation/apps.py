from django.apps import AppConfig


class LegislationConfig(AppConfig):
    name = "legislation"
    default_auto_field = "django.db.models.BigAutoField"
