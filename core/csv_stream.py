"""CSV downloads streamed with constant memory: rows become text chunks of ROWS_PER_CHUNK lines (one
join per chunk, for a StreamingHttpResponse), and a queryset's rows come through a server-side
cursor inside a transaction (outside one, Django declares the cursor WITH HOLD, which makes
PostgreSQL materialise the whole result before the first row)."""

import csv
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import transaction
from django.db.models import QuerySet

ROWS_PER_CHUNK = 1000
FETCH_ROWS = 2000  # rows per fetch of the server-side cursor

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """User-typed text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class _Line:
    """A file-like object whose write() hands back the line csv.writer formatted."""

    def write(self, line: str) -> str:
        return line


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[str]:
    """`rows` as CSV text (CRLF line ends), in chunks of up to ROWS_PER_CHUNK rows."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    rows = iter(rows)
    while chunk := list(islice(rows, ROWS_PER_CHUNK)):
        yield "".join(map(writer.writerow, chunk))


def streamed(queryset: QuerySet) -> Iterator:
    """Every row of `queryset` (e.g. a values_list()), fetched FETCH_ROWS at a time through a
    server-side cursor in a transaction that lasts while they are read."""
    with transaction.atomic():
        yield from queryset.iterator(chunk_size=FETCH_ROWS)
