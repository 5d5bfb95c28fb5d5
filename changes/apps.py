from django.apps import AppConfig


class ChangesConfig(AppConfig):
    """The change process: change requests, CAB approval, scheduling, freeze windows, reviews."""

    name = "changes"

    def ready(self) -> None:
        from core.events import registry

        from . import events, sla

        sla.register()
        registry.register(*events.EVENT_TYPES)
        from .handlers import link_suspected_changes  # suspected cause: incident.created → link to changes

        registry.subscribe(link_suspected_changes, to="incident.created", name="changes.suspected_cause")
