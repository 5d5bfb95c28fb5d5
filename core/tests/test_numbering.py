"""core/numbering.py: one gapless, race-free sequence per prefix, continuing after stored numbers."""

import threading

import pytest
from django.db import connection, transaction

from core.models import NumberSequence
from core.numbering import next_number
from incidents.models import Incident


def test_prefixes_count_independently(db):
    assert [next_number("INC", model=Incident) for _ in range(3)] == [
        "INC-000001",
        "INC-000002",
        "INC-000003",
    ]
    assert next_number("CHG", model=Incident) == "CHG-000001"
    assert next_number("INC", model=Incident) == "INC-000004"


def test_incidents_are_numbered_in_filing_order(incident_factory, agent):
    first, second = incident_factory(reporter=agent), incident_factory(reporter=agent)
    assert int(second.number.removeprefix("INC-")) == int(first.number.removeprefix("INC-")) + 1
    assert Incident.objects.get(pk=first.pk).number == first.number


def test_a_new_counter_continues_after_the_highest_stored_number(incident_factory, agent):
    old = incident_factory(reporter=agent)
    Incident.objects.filter(pk=old.pk).update(number="INC-000041")  # filed before the counter existed
    NumberSequence.objects.all().delete()
    assert incident_factory(reporter=agent).number == "INC-000042"
    assert Incident.objects.get(pk=old.pk).number == "INC-000041"


def test_a_rolled_back_creation_gives_its_number_back(db):
    first = next_number("PRB", model=Incident)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("PRB", model=Incident)
        raise RuntimeError("the creation failed")
    assert (first, next_number("PRB", model=Incident)) == ("PRB-000001", "PRB-000002")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix_exists", [False, True], ids=["first-use", "existing"])
def test_concurrent_creations_never_collide(prefix_exists):
    """Eight connections take 20 numbers each at once, each in its own transaction."""
    if prefix_exists:
        next_number("REL", model=Incident)
    start = threading.Barrier(8)
    taken: list[str] = []
    failures: list[BaseException] = []

    def worker():
        try:
            start.wait()
            for _ in range(20):
                with transaction.atomic():
                    taken.append(next_number("REL", model=Incident))
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    offset = 1 if prefix_exists else 0
    assert sorted(taken) == [f"REL-{n:06d}" for n in range(1 + offset, 161 + offset)]
