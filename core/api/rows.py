"""Querysets of API rows that bring their related records along after fetching a page, by one plain
query per related model, instead of joining them (`select_related`) or prefetching them.

Joining five small tables to a large one made PostgreSQL spend 4-8 ms planning a page whose SQL ran in
1 ms (it weighs every index of the large table for every join order); Django's `prefetch_related` costs
a query per relation and, for generic relations, builds a manager per row. Here a page costs one query
per related *model* (a user table read once for assignee and reporter), and none for a relation no row of
the page has. Evaluating the queryset (iterating, `len()`, `.get()`, slicing then listing) attaches;
`values()`, `count()` and `exists()` fetch no instances and attach nothing."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import NamedTuple

from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable

Attacher = Callable[[list[models.Model]], None]
Converters = list[tuple[int, Callable]]  # (position in a row, a field's from_db_value)


class ReadRowsIterable(ModelIterable):
    """Django's ModelIterable for rows that are shown, not saved: each instance is built by `loaded()`
    (no `__init__`, no signals; a model's `__init__` took ~10 µs a row of 35 columns). Querysets with
    `select_related()` or known related objects get Django's own iteration."""

    def __iter__(self):
        queryset = self.queryset
        if queryset.query.select_related or queryset._known_related_objects:
            yield from super().__iter__()
            return
        db = queryset.db
        compiler = queryset.query.get_compiler(using=db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        model, fields = compiler.klass_info["model"], compiler.klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        annotations = compiler.annotation_col_map.items()
        for row in compiler.results_iter(results):
            instance = loaded(model, db, names, row[start:end])
            for name, at in annotations:
                setattr(instance, name, row[at])
            yield instance


class AttachingQuerySet(QuerySet):
    """A queryset of rows to show (ReadRowsIterable: not to be saved) that hands the instances it
    fetched to its attachers (see `attach`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._attachers: tuple[Attacher, ...] = ()
        self._iterable_class = ReadRowsIterable

    def attach(self, *attachers: Attacher) -> "AttachingQuerySet":
        clone = self._chain()
        clone._attachers = (*self._attachers, *attachers)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._attachers = self._attachers
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        rows = self._result_cache
        if fresh and rows and self._attachers and isinstance(rows[0], self.model):
            for attacher in self._attachers:
                attacher(rows)


def related_rows(model: type[models.Model], columns: Mapping[str, Sequence[str]]) -> Attacher:
    """An attacher setting each row's foreign keys named in `columns` ({field: columns to read}) to
    their records, read with only those columns, one query per related model."""
    fields = {name: model._meta.get_field(name) for name in columns}
    by_model: dict[type[models.Model], list[str]] = defaultdict(list)
    for name, field in fields.items():
        by_model[field.related_model].append(name)

    def attach(rows: list[models.Model]) -> None:
        for related, names in by_model.items():
            ids = {getattr(row, fields[name].attname) for row in rows for name in names} - {None}
            if not ids:
                continue
            wanted = {column for name in names for column in columns[name]}
            found = {row.pk: row for row in select_in(related, sorted(wanted), ids)}
            for row in rows:
                for name in names:
                    key = getattr(row, fields[name].attname)
                    fields[name].set_cached_value(row, found.get(key) if key is not None else None)

    return attach


def select_in(
    model: type[models.Model],
    columns: Sequence[str],
    ids: Iterable,
    *,
    key: str = "pk",
    where: Mapping[str, object] | None = None,
    order: Sequence[str] = (),
) -> list[models.Model]:
    """Instances of `model` whose `key` is one of `ids` (and whose fields equal `where`), with only the
    pk and `columns` loaded, in `order` ("-name" descending). One plain SELECT: the ORM would compile
    the same statement anew each time (~0.5-1 ms of CPU per query, more than the query itself). A
    field with `from_db_value` (a JSONField) is converted by it, as the ORM does."""
    where = where or {}
    sql, names, converted = _statement(model, tuple(columns), key, tuple(where), tuple(order))
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, [list(ids), *where.values()])
        found = cursor.fetchall()
    alias = connection.alias  # once: each look-up through the connection proxy costs a thread-local read
    return [loaded(model, alias, names, as_read(row, converted)) for row in found]


@cache
def _statement(
    model: type[models.Model],
    columns: tuple[str, ...],
    key: str,
    where: tuple[str, ...],
    order: tuple[str, ...],
) -> tuple[str, list[str], Converters]:
    """select_in()'s SELECT (parameters: the ids, then `where`'s values), the attribute names in column
    order and the converters by position: built once per shape and process."""
    meta, quote = model._meta, connection.ops.quote_name
    wanted = {meta.pk, *(meta.get_field(name) for name in columns)}
    fields = [
        field for field in meta.concrete_fields if field in wanted
    ]  # from_db() takes them in this order
    converted = converters(fields)
    key_field = meta.pk if key == "pk" else meta.get_field(key)
    conditions = [f"{quote(key_field.column)} = ANY(%s)"]
    conditions += [f"{quote(meta.get_field(name).column)} = %s" for name in where]
    sorting = [
        f"{quote(meta.get_field(term.lstrip('-')).column)}{' DESC' if term[0] == '-' else ''}"
        for term in order
    ]
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in fields)} FROM {quote(meta.db_table)}"
        f" WHERE {' AND '.join(conditions)}{' ORDER BY ' + ', '.join(sorting) if sorting else ''}"
    )
    return sql, [field.attname for field in fields], converted


def converters(fields: Sequence[models.Field]) -> Converters:
    """(position, from_db_value) of the fields, in a row of their columns, that the ORM converts after
    reading (a JSONField's text becomes its value)."""
    return [(at, field.from_db_value) for at, field in enumerate(fields) if hasattr(field, "from_db_value")]


def as_read(row: Sequence, converted: Converters) -> Sequence:
    """A fetched row's values as the ORM reads them (`converted` from converters())."""
    if not converted:
        return row
    values = list(row)
    for at, convert in converted:
        values[at] = convert(values[at], None, connection)
    return values


def loaded(model: type[models.Model], alias: str, names: Sequence[str], values: Sequence) -> models.Model:
    """The instance `model.from_db(alias, names, values)` returns, built without `__init__`: Django's
    constructor sets every field (the ones not read as deferred), one attribute and a signal at a time;
    here the read columns go straight into the instance's `__dict__` (which is how Django tells loaded
    fields from deferred ones) at a tenth of the cost. For rows that are read, not saved: no `pre_init`
    / `post_init` signal is sent."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, alias
    return instance


class Columns(NamedTuple):
    """Every concrete column of `model` in a plain statement, under a table alias (columns()): the SQL
    to select them, then each row's slice of them made an instance by `load()`."""

    model: type[models.Model]
    sql: str
    names: list[str]
    converted: Converters

    def load(self, values: Sequence) -> models.Model:
        """The instance whose columns are `values` (a row's slice, in this order), as loaded() builds it."""
        return loaded(self.model, connection.alias, self.names, as_read(values, self.converted))


@cache
def columns(model: type[models.Model], alias: str) -> Columns:
    """`model`'s concrete columns as `alias`.column, for a statement joining it with others."""
    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    sql = ", ".join(f"{alias}.{quote(field.column)}" for field in fields)
    return Columns(model, sql, [field.attname for field in fields], converters(fields))
