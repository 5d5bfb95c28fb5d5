"""Cursor pagination for every API list: pages through every row exactly once, whatever the ordering.

DRF's CursorPagination positions its cursor on the first ordering field plus an offset, so ties and NULLs
lose or repeat rows (measured: `?ordering=sla_due_at` returned 5 of 9 rows). This one is a keyset
cursor (core.api.keyset): the order always ends with the primary key and places NULLs last, and the cursor
carries the value of every key of the boundary row, so the next page is "rows strictly after it". The
ordering is the view's `?ordering=` (checked by core.api.ordering.OrderingFilter), else the view's
`ordering`, else this class's. No COUNT(*): one query fetches the page and one look-ahead row.

Cursors are signed (tampered or stale ones are a 404 "Invalid cursor", as in DRF), and name the model and
ordering they were made for.
"""

import datetime
from decimal import Decimal
from uuid import UUID

from django.core import signing
from django.utils.duration import duration_iso_string
from rest_framework import filters, pagination
from rest_framework.exceptions import NotFound
from rest_framework.utils.urls import replace_query_param

from . import keyset

_SALT = "core.api.pagination.cursor"


class CursorPagination(pagination.CursorPagination):
    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.keys = keyset.sort_keys(queryset, self.get_ordering(request, queryset, view))
        self.model_label = queryset.model._meta.label_lower
        self.cursor = self.decode_cursor(request)
        backwards = self.cursor is not None and self.cursor["r"]
        keys = [key.reversed() for key in self.keys] if backwards else self.keys

        queryset = queryset.order_by(*keyset.order_by(keys))
        if self.cursor is not None:
            condition = keyset.after(keys, self.cursor["v"], queryset=queryset)
            queryset = queryset.none() if condition is None else queryset.filter(condition)
        rows = list(queryset[: self.page_size + 1])
        self.page, more = rows[: self.page_size], len(rows) > self.page_size
        if backwards:
            self.page.reverse()
        self.has_next = True if backwards else more
        self.has_previous = more if backwards else self.cursor is not None
        self.display_page_controls = self.template is not None and (self.has_next or self.has_previous)
        return self.page

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        for backend in getattr(view, "filter_backends", ()):
            if isinstance(backend, type) and issubclass(backend, filters.OrderingFilter):
                requested = backend().get_ordering(request, queryset, view)
                if requested:
                    return tuple(requested)
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def get_next_link(self):
        return self._link(self.page[-1], backwards=False) if self.has_next and self.page else None

    def get_previous_link(self):
        return self._link(self.page[0], backwards=True) if self.has_previous and self.page else None

    def _link(self, row, *, backwards: bool) -> str:
        values = [_plain(value) for value in keyset.values_of(row, self.keys)]
        return replace_query_param(
            self.base_url, self.cursor_query_param, self.encode_cursor({"v": values, "r": backwards})
        )

    def encode_cursor(self, cursor: dict) -> str:
        payload = {"m": self.model_label, "o": [key.term for key in self.keys], **cursor}
        return signing.dumps(payload, salt=_SALT, compress=True)

    def decode_cursor(self, request) -> dict | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            cursor = signing.loads(encoded, salt=_SALT)
        except signing.BadSignature as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        made_for = (self.model_label, [key.term for key in self.keys])
        if (cursor.get("m"), cursor.get("o")) != made_for or len(cursor.get("v", ())) != len(self.keys):
            raise NotFound(self.invalid_cursor_message)  # made for another list or another ordering
        return cursor


def _plain(value):
    """A key value as JSON; the field's lookup turns it back into its type when filtering."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value
