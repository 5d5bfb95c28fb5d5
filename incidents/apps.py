from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        from . import escalation  # noqa: F401  (registers the incident escalation adapter)
