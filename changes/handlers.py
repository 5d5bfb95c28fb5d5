"""What the change process does when another process's event arrives (subscribed in apps.py ready()).

The dispatcher (core.events.dispatch) runs each handler at most once per event and records that it
ran in the same transaction as the handler's writes (HandlerRun); the handlers are idempotent anyway."""

from core.models import Event

from .suspects import suspects_detect


def link_suspected_changes(events: list[Event]) -> None:
    """`incident.created`: link the new incidents to the changes that may have caused them.

    Incidents are only matched when they are filed: no event announces an edit of an incident's
    service or CI yet (incident_update records timeline entries only), so a later edit does not
    look for suspects again."""
    suspects_detect(incident_ids=[event.object_id for event in events if event.object_id is not None])
