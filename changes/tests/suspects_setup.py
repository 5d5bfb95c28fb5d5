"""Building blocks of the suspected-cause tests: changes implemented at a given instant on given
services and CIs (written directly: the filing and implementation services are tested elsewhere),
and incidents filed through the incident service, which runs the suspected-cause handler inline."""

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from changes.models import Change, Outcome, Status
from core import roles
from core.tests.factories import UserFactory
from incidents.tests.factories import IncidentFactory

_numbers = itertools.count(1)


def implemented_change(
    *,
    at: datetime,
    services=(),
    cis=(),
    status: str = Status.IMPLEMENTED,
    outcome: str = Outcome.SUCCESSFUL,
    requester=None,
    implementer=None,
    title: str = "Upgrade the database",
) -> Change:
    n = next(_numbers)
    change = Change.objects.create(
        number=f"CHG-{800000 + n}",
        title=title,
        requester=requester or UserFactory(username=f"requester{n}", roles=[roles.AGENT]),
        implementer=implementer or UserFactory(username=f"implementer{n}", roles=[roles.AGENT]),
    )
    implemented = status in (Status.IMPLEMENTED, Status.IN_REVIEW, Status.CLOSED)
    Change.objects.filter(pk=change.pk).update(
        status=status,
        implemented_at=at if implemented else None,
        started_at=at,
        outcome=outcome if implemented else "",
    )
    change.services.set(services)
    change.cis.set(cis)
    change.refresh_from_db()
    return change


def file_incident(*, reporter, service, ci=None, title: str = "Checkout returns 502"):
    """An incident opened now (time-machine decides when), through incidents.services."""
    return IncidentFactory(reporter=reporter, service=service, ci=ci, title=title)


def now() -> datetime:
    return timezone.now()


def suspected_link(*, reporter, service, ci=None, before=timedelta(hours=1), **change_fields):
    """A change implemented `before` ago on `service` and an incident filed now: their link."""
    from changes.models import SuspectedCause

    change = implemented_change(
        at=now() - before, services=[service], cis=[ci] if ci else [], **change_fields
    )
    incident = file_incident(reporter=reporter, service=service, ci=ci)
    return SuspectedCause.objects.get(change=change, incident=incident)
