"""Append to and read the timeline of any record. Writers call `timeline_record` inside the same
transaction as the change it describes, so history and state can never disagree."""

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import QuerySet

from .api.rows import Converters, as_read, converters, loaded
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


@cache
def _newest_statement() -> tuple[str, str, str, list[str], Converters]:
    """The SELECT of newest_entries (with `{internal}` and `{before}` slots) and what fills them, the
    entry's attribute names in column order, and the converters (from_db_value) by position."""
    meta, quote = TimelineEntry._meta, connection.ops.quote_name
    fields = meta.concrete_fields
    actor = meta.get_field("actor")
    users = get_user_model()._meta

    def column(name: str) -> str:
        return f"e.{quote(meta.get_field(name).column)}"

    columns = ", ".join(f"e.{quote(field.column)}" for field in fields)
    internal = f" AND {column('visibility')} <> %s"
    before = f" AND ({column('created_at')}, {column('id')}) < (%s, %s)"
    sql = (
        f"SELECT {columns}, u.{quote(users.get_field('username').column)}"
        f" FROM {quote(meta.db_table)} e LEFT JOIN {quote(users.db_table)} u"
        f" ON u.{quote(users.pk.column)} = e.{quote(actor.column)}"
        f" WHERE {column('content_type')} = %s AND {column('object_id')} = %s{{internal}}{{before}}"
        f" ORDER BY {column('created_at')} DESC, {column('id')} DESC LIMIT %s"
    )
    return sql, internal, before, [field.attname for field in fields], converters(fields)


def newest_entries(
    subject: models.Model,
    *,
    include_internal: bool,
    before: tuple[datetime, int] | None = None,
    limit: int,
) -> list[TimelineEntry]:
    """At most `limit` of the subject's entries, newest first (older than `before`, an entry's
    (created_at, id), if given), each with its actor's username (`entry.actor`, or None). What
    timeline_for() gives, by one plain statement built once per process: a page view read a page of
    entries, and compiling the ORM's statement cost more than PostgreSQL took to answer it (the
    (subject, created_at) index). Entries are for showing (core.api.rows.loaded: no `__init__`)."""
    sql, internal, older, names, converted = _newest_statement()
    params: list = [ContentType.objects.get_for_model(subject).pk, subject.pk]
    if not include_internal:
        params.append(TimelineEntry.Visibility.INTERNAL)
    if before is not None:
        params.extend(before)
    sql = sql.format(internal="" if include_internal else internal, before="" if before is None else older)
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        found = cursor.fetchall()
    actor_field, user, alias = TimelineEntry._meta.get_field("actor"), get_user_model(), connection.alias
    entries = []
    for row in found:
        entry = loaded(TimelineEntry, alias, names, as_read(row[: len(names)], converted))
        actor_id = entry.actor_id
        actor = loaded(user, alias, ["id", "username"], (actor_id, row[-1])) if actor_id else None
        actor_field.set_cached_value(entry, actor)
        entries.append(entry)
    return entries
