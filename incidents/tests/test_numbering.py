"""Incident numbers come from core/numbering.py's INC sequence, not from the primary key."""

from core.models import NumberSequence
from incidents.models import Incident


def test_incidents_are_numbered_in_filing_order(incident_factory, agent):
    first, second = incident_factory(reporter=agent), incident_factory(reporter=agent)
    assert (first.number, second.number) == ("INC-000001", "INC-000002")
    assert Incident.objects.get(pk=first.pk).number == first.number


def test_numbering_continues_after_the_incidents_filed_before_the_counter(incident_factory, agent):
    old = incident_factory(reporter=agent)
    Incident.objects.filter(pk=old.pk).update(number="INC-000041")  # numbered from its pk, as before
    NumberSequence.objects.all().delete()
    assert incident_factory(reporter=agent).number == "INC-000042"
    assert Incident.objects.get(pk=old.pk).number == "INC-000041"
