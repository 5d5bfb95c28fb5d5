"""gunicorn as bench/http_bench.py starts it (bench/http_load.gunicorn, in config.environ), and JSON POSTs."""

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from bench import http_load

from . import sinks


@contextlib.contextmanager
def gunicorn(environ: dict[str, str], log: Path, *, workers: int = 2) -> Iterator[str]:
    """gunicorn on a free local port; yields its base URL once /healthz answers."""
    with http_load.gunicorn(environ, port=sinks.closed_port(), workers=workers, log=log) as base:
        yield base


def post_json(base: str, path: str, body: dict, token: str) -> tuple[int, float]:
    """(status, seconds) of one JSON POST with token auth."""
    request = http_load.Request(path, "POST", json.dumps(body), f"Token {token}")
    status, seconds, _ = http_load.fetch(base, request)
    return status, seconds
