"""core/numbering.py: one gapless, race-free sequence per prefix, continuing after stored numbers.
Any model with a text field can hold the numbers; these tests use auth groups' names."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from core.models import NumberSequence
from core.numbering import next_number


def take(prefix: str) -> str:
    return next_number(prefix, model=Group, field="name")


def test_prefixes_count_independently(db):
    assert [take("TST") for _ in range(3)] == ["TST-000001", "TST-000002", "TST-000003"]
    assert take("CHG") == "CHG-000001"
    assert take("TST") == "TST-000004"


def test_a_new_counter_continues_after_the_highest_stored_number(db):
    Group.objects.bulk_create([Group(name="TST-000041"), Group(name="TST-000007"), Group(name="TST-x")])
    assert take("TST") == "TST-000042"
    NumberSequence.objects.all().delete()
    Group.objects.create(name="TST-1000000")  # past six digits the numbers just grow
    assert take("TST") == "TST-1000001"


def test_a_rolled_back_creation_gives_its_number_back(db):
    first = take("PRB")
    with pytest.raises(RuntimeError), transaction.atomic():
        take("PRB")
        raise RuntimeError("the creation failed")
    assert (first, take("PRB")) == ("PRB-000001", "PRB-000002")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix_exists", [False, True], ids=["first-use", "existing"])
def test_concurrent_creations_never_collide(prefix_exists):
    """Eight connections take 20 numbers each at once, each number in its own transaction."""
    if prefix_exists:
        take("REL")
    start = threading.Barrier(8)
    taken: list[str] = []
    failures: list[BaseException] = []

    def worker():
        try:
            start.wait()
            for _ in range(20):
                with transaction.atomic():
                    taken.append(take("REL"))
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
