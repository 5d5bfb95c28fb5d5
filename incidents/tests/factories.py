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
