"""The garbage collector of a web worker (opsdesk/wsgi.py): it collects between requests, not during them.

With Python's defaults a request was interrupted by a collection every ~700 new objects: an API list page
of 50 incidents (tens of thousands of objects, most alive until the response is written) sat through one
or two young collections and often an older one, each walking every object the request still held,
~0.7-1 ms of CPU a request; and every so often a full collection walked all the ~160,000 objects the
worker had loaded, up to ~180 ms in the middle of one request (the API lists' p99 at 1M incidents).
Here, once the worker has loaded everything (opsdesk/wsgi.py's warm-up), those objects are frozen out of
the collector's sight; a collection starts only after 20,000 new objects, which an ordinary request
does not reach; and as each request starts (Django's `request_started`), the young objects are
collected: by then the previous request's objects are gone but for its reference cycles, which are
all there is to find (~0.2 ms). Not when a response is sent: its request is still alive then, and a
collection would only move it to the oldest generation, as garbage for a full collection to walk.
Every 1,000th request collects everything. A long request (a streamed CSV export) still collects as
it goes, every 20,000 new objects, so its memory stays bounded."""

import gc

from django.core.signals import request_started

YOUNG_OBJECTS = 20_000
FULL_EVERY = 1_000

_served = 0


def collect_between_requests() -> None:
    """Call once, when the worker has loaded what it serves with."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    request_started.connect(_collect, dispatch_uid="core.web_gc")


def _collect(**kwargs) -> None:
    global _served
    _served += 1
    gc.collect(2 if _served % FULL_EVERY == 0 else 1)
