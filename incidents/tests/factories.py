import factory

from catalog.tests.factories import ServiceFactory
from core import roles
from core.tests.factories import UserFactory
from incidents import services
from incidents.models import Incident, Level


class IncidentFactory(factory.Factory):
    """Files incidents through the service, exactly as users do (number, priority, timeline)."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Something broke #{n}")
    service = factory.SubFactory(ServiceFactory)
    impact = Level.MEDIUM
    urgency = Level.MEDIUM
    reporter = factory.SubFactory(UserFactory, roles=[roles.AGENT])

    @classmethod
    def _create(cls, model_class, reporter, **kwargs):
        return services.incident_create(actor=reporter, **kwargs)


# The service calls that take a new incident to each state, in order.
PATH_TO = {
    "new": [],
    "acknowledged": [("acknowledge", {})],
    "in_progress": [("acknowledge", {}), ("start", {})],
    "on_hold": [("acknowledge", {}), ("start", {}), ("hold", {"hold_reason": "awaiting_vendor"})],
    "resolved": [
        ("acknowledge", {}),
        ("resolve", {"resolution_code": "fixed", "resolution_notes": "Restarted."}),
    ],
    "closed": [
        ("acknowledge", {}),
        ("resolve", {"resolution_code": "fixed", "resolution_notes": "Restarted."}),
        ("close", {}),
    ],
    "cancelled": [("cancel", {"note": "Filed twice."})],
}


def incident_in_state(state: str, **kwargs) -> Incident:
    """A new incident walked through the services to `state`."""
    incident = IncidentFactory(**kwargs)
    for action, params in PATH_TO[state]:
        incident = services.incident_transition(
            incident=incident, actor=incident.reporter, action=action, **params
        )
    return incident
