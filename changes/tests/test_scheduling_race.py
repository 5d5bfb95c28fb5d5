"""Two changes scheduled at the same moment into a collision: exactly one wins, on real PostgreSQL with
one connection per thread."""

import threading

import pytest
from django.db import connection

from catalog.tests.factories import ConfigurationItemFactory
from changes.models import Status
from changes.scheduling import change_schedule
from core import roles
from core.errors import Conflict

from .scheduling_helpers import make_change


def _race(changes, actor, start, end) -> list:
    barrier = threading.Barrier(len(changes))
    outcomes = [None] * len(changes)

    def run(i, change):
        try:
            barrier.wait()
            outcomes[i] = change_schedule(
                change=change, actor=actor, planned_start=start, planned_end=end
            ).status
        except Conflict as error:
            outcomes[i] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("link", ["same_ci", "dependency", "implementer"])
def test_only_one_of_two_colliding_changes_is_scheduled(make_user, link):
    agent = make_user(roles.AGENT, username="agent")
    db, app = ConfigurationItemFactory(name="db"), ConfigurationItemFactory(name="app")
    app.depends_on.add(db)
    other = ConfigurationItemFactory(name="other")
    # Each change collides with the other (on the same CI, a connected one, or the implementer) but no
    # third change exists: each alone would schedule without conflict.
    first_cis, second_cis = {
        "same_ci": ([db], [db]),
        "dependency": ([db], [app]),
        "implementer": ([db], [other]),
    }[link]
    implementer = agent if link == "implementer" else None
    first = make_change(requester=agent, cis=first_cis, implementer=implementer)
    second = make_change(requester=agent, cis=second_cis, implementer=implementer)
    start, end = first.planned_start, first.planned_end
    # No window yet: neither collides with the other until one of them is scheduled into [start, end).
    type(first).objects.filter(pk__in=[first.pk, second.pk]).update(planned_start=None, planned_end=None)
    for _ in range(3):  # a few rounds: the loser must lose every time, whichever thread is first
        outcomes = _race([first, second], agent, start, end)
        assert sorted(outcomes) == ["schedule_conflict", Status.SCHEDULED]
        type(first).objects.filter(pk__in=[first.pk, second.pk]).update(
            status=Status.APPROVED, planned_start=None, planned_end=None
        )
