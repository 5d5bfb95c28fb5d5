from django.apps import AppConfig


class ChangesConfig(AppConfig):
    """The change process: change requests, CAB approval, scheduling, freeze windows, reviews."""

    name = "changes"

    def ready(self) -> None:
        from core.events import registry

        from . import events, sla

        sla.register()
        registry.register(*events.EVENT_TYPES)
