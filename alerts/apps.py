from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alert ingestion: monitoring integrations (Alertmanager, Events API v2) that open and resolve incidents."""

    name = "alerts"

    def ready(self) -> None:
        from core.events import registry

        from . import events, permissions  # noqa: F401  (permissions: defines the named rules)

        registry.register(*events.EVENT_TYPES)
