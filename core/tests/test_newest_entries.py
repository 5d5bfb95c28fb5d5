"""A page of a record's timeline read by one plain statement: what the ORM's timeline_for() gives."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import TimelineEntry
from core.timeline import newest_entries, timeline_for, timeline_record

pytestmark = pytest.mark.django_db
PUBLIC, INTERNAL = TimelineEntry.Visibility.PUBLIC, TimelineEntry.Visibility.INTERNAL


@pytest.fixture
def entries(incident, agent):
    start = timezone.now() + timedelta(minutes=1)  # newer than the incident's own "filed" entry
    made = [
        timeline_record(
            subject=incident,
            kind=TimelineEntry.Kind.COMMENT,
            actor=agent if n % 2 else None,
            note=f"Update {n}",
            visibility=INTERNAL if n == 3 else PUBLIC,
            data={"n": n},
            created_at=start + timedelta(minutes=n // 2),  # pairs share an instant: the id breaks ties
        )
        for n in range(6)
    ]
    return made


def shown(found):
    return [(e.note, e.actor.username if e.actor else None, e.data) for e in found]


def test_newest_first_with_actors_and_data_as_the_orm_reads_them(incident, entries):
    expected = timeline_for(incident).order_by("-created_at", "-id")
    assert shown(newest_entries(incident, include_internal=True, limit=10)) == shown(expected)
    assert [e.note for e in newest_entries(incident, include_internal=True, limit=2)] == [
        "Update 5",
        "Update 4",
    ]


def test_internal_notes_are_left_out_for_those_who_may_not_read_them(incident, entries):
    notes = [e.note for e in newest_entries(incident, include_internal=False, limit=10)]
    assert "Update 3" not in notes and len(notes) == 6  # five updates and the "filed" entry


def test_older_than_a_cursor_including_an_entry_of_the_same_instant(incident, entries):
    cursor = (entries[3].created_at, entries[3].id)  # Update 2 shares its instant
    older = newest_entries(incident, include_internal=True, before=cursor, limit=10)
    assert [e.note for e in older][:3] == ["Update 2", "Update 1", "Update 0"]  # then the "filed" entry
    assert len(older) == 4
