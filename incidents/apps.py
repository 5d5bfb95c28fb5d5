from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from core.events import registry

        from . import (
            escalation,  # noqa: F401  (registers the incident escalation adapter)
            events,
            sla,
        )

        sla.register()
        registry.register(*events.EVENT_TYPES)
