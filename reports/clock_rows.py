"""The dashboard's clock lists (breaches, at risk) read one page at a time through an index.

A list is one or more disjoint values() querysets ("branches") in one order. A page reads at most
offset + page size rows of each branch, in that order, and merges them in one statement; the export
streams the whole merge. The breach list has two branches because "breached" has a part that
never changes (the index below can hold it) and a part that depends on now (the sweep's lag):

- final: the sweep recorded the breach, or the clock stopped past its target;
- unswept: running past its due time, the breach not recorded yet (seconds, normally).

Together they are exactly sla.states.breached_q (reports/tests check it), and disjoint (a running
clock has no stop time; unswept ones have no breached_at). Indexes (reports migration 0002):
`reports_clock_breach_idx` on (content type, breach instant DESC, object, target DESC) WHERE final,
and `reports_clock_unswept_idx` on the same WHERE running and breached_at IS NULL."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Window

from .planner import index_probes

EXPORT_CHUNK = 2000  # rows per fetch of the export's server-side cursor


def final_breach_q() -> Q:
    return Q(breached_at__isnull=False) | Q(stopped_at__isnull=False, elapsed__gt=F("target_duration"))


def unswept_breach_q(now: datetime) -> Q:
    return Q(breached_at__isnull=True, running_since__isnull=False, due_at__lte=now)


@dataclass(frozen=True)
class ClockRows:
    branches: Sequence[QuerySet]  # disjoint values() querysets
    order: Sequence[str]  # names among their columns, unique per row (ends with a key)

    def _merged(self, branches: Sequence[QuerySet], limit: int | None = None) -> QuerySet:
        heads = [branch.order_by(*self.order) for branch in branches]
        if len(heads) == 1:
            return heads[0]
        if limit is not None:
            heads = [head[:limit] for head in heads]
        return heads[0].union(*heads[1:], all=True).order_by(*self.order)

    def slice(self, offset: int, limit: int) -> list[dict]:
        """Rows offset .. offset + limit − 1 of the merged list (one query)."""
        return list(self._merged(self.branches, offset + limit)[offset : offset + limit])

    def slice_counted(self, offset: int, limit: int) -> tuple[list[dict], int | None]:
        """slice() of a one-branch list with the list's length (a window count: one query); the
        length is None when the page is past the end (no row to carry it)."""
        (branch,) = self.branches
        rows = list(
            branch.annotate(list_total=Window(Count("pk"))).order_by(*self.order)[offset : offset + limit]
        )
        return rows, rows[0]["list_total"] if rows else (0 if offset == 0 else None)

    def count(self) -> int:
        return sum(branch.count() for branch in self.branches)

    def tuples(self, *fields: str) -> Iterator[tuple]:
        """Every row as a plain tuple of `fields` (which must include the order's names), streamed
        through a server-side cursor, in a transaction planned for index probes (reports.planner)
        that lasts while the rows are read."""
        rows = self._merged([branch.values_list(*fields) for branch in self.branches])
        with index_probes():
            yield from rows.iterator(chunk_size=EXPORT_CHUNK)
