from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alert ingestion: monitoring integrations (Alertmanager, Events API v2) that open and resolve incidents."""

    name = "alerts"
