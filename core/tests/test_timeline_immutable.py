"""Timeline entries are immutable in the database too: whatever bypasses save()/delete() (a queryset
update or delete, raw SQL, a script) is refused by a PostgreSQL trigger."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from core.models import TimelineEntry
from core.timeline import timeline_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(incident, agent):
    return timeline_record(
        subject=incident, kind=TimelineEntry.Kind.COMMENT, actor=agent, note="Customer told."
    )


def refused(action) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        action()
    return str(error.value)


def test_a_queryset_update_is_refused(entry):
    message = refused(lambda: TimelineEntry.objects.filter(pk=entry.pk).update(note="rewritten"))
    assert "Cannot update or delete rows from core_timelineentry" in message
    assert TimelineEntry.objects.get(pk=entry.pk).note == "Customer told."


def test_a_queryset_delete_is_refused(entry):
    message = refused(lambda: TimelineEntry.objects.filter(pk=entry.pk).delete())
    assert "Cannot update or delete rows from core_timelineentry" in message
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_is_refused(entry):
    def update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_timelineentry SET note = 'x' WHERE id = %s", [entry.pk])

    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_timelineentry WHERE id = %s", [entry.pk])

    refused(update)
    refused(delete)
    assert TimelineEntry.objects.get(pk=entry.pk).note == "Customer told."


def test_new_entries_are_still_written(entry, incident, agent):
    timeline_record(subject=incident, kind=TimelineEntry.Kind.COMMENT, actor=agent, note="Fixed.")
    assert TimelineEntry.objects.filter(object_id=incident.pk, kind="comment").count() == 2


def test_the_trigger_is_installed(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_timelineentry'::regclass AND NOT tgisinternal"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert any("timeline_entry_immutable" in name for name in names), names
