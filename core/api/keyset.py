"""Keyset ordering: a total, deterministic order over any queryset and "rows strictly after this one".

An ordering such as `("-priority", "sla_due_at")` becomes a list of `SortKey`s that always ends with the
primary key (the tie-break), and every key that can be NULL places NULLs last whichever the direction
(rows without a value come at the end). `after(keys, values)` is the same order written as a filter with
Django expressions — `k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`, NULL-aware and per-key direction-aware — so
a cursor holding the values of the last row seen pages on without losing or repeating a row. When every
key runs the same way and none can be NULL, the filter is the row comparison `(k1, k2, ...) > (v1, v2, ...)`
instead, which PostgreSQL serves as one range of an index on those columns (deep pages stay cheap).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import F, Field, Func, Model, Q, QuerySet, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import OrderBy
from django.db.models.lookups import GreaterThan, LessThan


@dataclass(frozen=True)
class SortKey:
    field: str  # an ORM path ("priority", "service__name") or an annotation ("sla_due_at")
    descending: bool = False
    nullable: bool = False
    nulls_first: bool = False  # False in the forward order; a reversed key (for `previous`) flips it

    def reversed(self) -> "SortKey":
        return replace(self, descending=not self.descending, nulls_first=not self.nulls_first)

    def order_by(self) -> OrderBy:
        nulls = {}
        if self.nullable:
            nulls = {"nulls_first": True} if self.nulls_first else {"nulls_last": True}
        return F(self.field).desc(**nulls) if self.descending else F(self.field).asc(**nulls)

    def equal(self, value) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})

    def after(self, value) -> Q | None:
        """Rows strictly after `value` on this key alone; None when none can be."""
        if value is None:
            return Q(**{f"{self.field}__isnull": False}) if self.nulls_first else None
        condition = Q(**{f"{self.field}__{'lt' if self.descending else 'gt'}": value})
        if self.nullable and not self.nulls_first:
            condition |= Q(**{f"{self.field}__isnull": True})
        return condition

    @property
    def term(self) -> str:
        return f"-{self.field}" if self.descending else self.field


def sort_keys(queryset: QuerySet, ordering: Sequence[str]) -> list[SortKey]:
    """The keys for `ordering` (field names, `-` for descending), each field once, ending with the pk."""
    pk = queryset.model._meta.pk.name
    keys: list[SortKey] = []
    for term in ordering:
        name = term.removeprefix("-")
        field, nullable = _resolve(queryset, pk if name == "pk" else name)
        if all(key.field != field for key in keys):
            keys.append(SortKey(field, descending=term.startswith("-"), nullable=nullable))
    if all(key.field != pk for key in keys):
        keys.append(SortKey(pk, descending=keys[-1].descending if keys else False))
    return keys


def order_by(keys: Sequence[SortKey]) -> list[OrderBy]:
    return [key.order_by() for key in keys]


class _Row(Func):
    """A row value, `ROW(a, b, ...)`, compared as a whole."""

    template = "ROW(%(expressions)s)"
    output_field = Field()


def after(keys: Sequence[SortKey], values: Sequence, *, queryset: QuerySet | None = None):
    """Rows strictly after the row whose key values are `values`, in the order of `keys`; None if none.
    Given the `queryset` (for the keys' types), a row comparison where the order allows one."""
    if queryset is not None and _uniform(keys):
        columns = [queryset.query.resolve_ref(key.field) for key in keys]
        given = [
            Value(value, output_field=column.output_field)
            for column, value in zip(columns, values, strict=True)
        ]
        compare = LessThan if keys[0].descending else GreaterThan
        return compare(_Row(*columns), _Row(*given))
    condition, same_so_far = None, Q()
    for key, value in zip(keys, values, strict=True):
        beyond = key.after(value)
        if beyond is not None:
            condition = same_so_far & beyond if condition is None else condition | (same_so_far & beyond)
        same_so_far &= key.equal(value)
    return condition


def _uniform(keys: Sequence[SortKey]) -> bool:
    return len({key.descending for key in keys}) == 1 and not any(key.nullable for key in keys)


def values_of(row: Model, keys: Sequence[SortKey]) -> list:
    """The row's value for each key (following relations; None past a missing related row)."""
    values = []
    for key in keys:
        value = row
        for part in key.field.split(LOOKUP_SEP):
            value = getattr(value, part)
            if value is None:
                break
        values.append(value)
    return values


def _resolve(queryset: QuerySet, path: str) -> tuple[str, bool]:
    """The path to sort on and whether it can be NULL. A relation sorts on its key column (not on its
    model's Meta.ordering, which a keyset filter could not follow)."""
    if path in queryset.query.annotations:
        return path, True
    model, nullable, parts = queryset.model, False, path.split(LOOKUP_SEP)
    for index, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(f"Cannot order {model.__name__} by unknown field '{path}'.") from exc
        if field.one_to_many or field.many_to_many:
            raise ImproperlyConfigured(f"Cannot order by '{path}': a to-many relation repeats rows.")
        nullable = nullable or field.null or not field.concrete
        if field.is_relation and index == len(parts) - 1:
            parts[index] = field.attname
        model = field.related_model
    return LOOKUP_SEP.join(parts), nullable
