from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from core.events import registry

        from . import events

        registry.register(*events.EVENT_TYPES)
