"""Append to and read the timeline of any record. Writers call `timeline_record` inside the same
transaction as the change it describes, so history and state can never disagree."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import TimelineEntry


def timeline_entry(*, subject: models.Model, kind: str, actor=None, **fields: Any) -> TimelineEntry:
    """An entry not saved yet (for `timeline_record_many`)."""
    return TimelineEntry(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind,
        actor=actor,
        **fields,
    )


def timeline_record(*, subject: models.Model, kind: str, actor=None, **fields: Any) -> TimelineEntry:
    entry = timeline_entry(subject=subject, kind=kind, actor=actor, **fields)
    entry.save()
    return entry


def timeline_field_change_entry(
    *, subject: models.Model, field: str, old: Any, new: Any, actor=None, at=None, data=None
) -> TimelineEntry:
    """One field's old → new value (None shows as empty), unsaved (for timeline_record_many)."""
    shown = {"old_value": "" if old is None else str(old), "new_value": "" if new is None else str(new)}
    extra = {"created_at": at} if at else {}
    return timeline_entry(
        subject=subject, kind=TimelineEntry.Kind.FIELD_CHANGE, actor=actor, field=field, data=data or {},
        **shown, **extra,
    )  # fmt: skip


def timeline_field_change(**kwargs: Any) -> TimelineEntry:
    """`timeline_field_change_entry`, saved."""
    entry = timeline_field_change_entry(**kwargs)
    entry.save()
    return entry


def timeline_record_many(entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """Append many entries in one statement (a sweep firing hundreds of thresholds at once)."""
    return TimelineEntry.objects.bulk_create(list(entries), batch_size=1000)


def timeline_for(subject: models.Model, *, include_internal: bool = True) -> QuerySet[TimelineEntry]:
    entries = TimelineEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("actor")
    if not include_internal:
        entries = entries.exclude(visibility=TimelineEntry.Visibility.INTERNAL)
    return entries
