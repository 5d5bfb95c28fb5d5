"""`python -m bench profile [--explain MS] [--warm N] METHOD PATH [JSON-BODY]`: where the time of one request
goes, on the HTTP benchmark's seeded database (`python -m bench http` first; BENCH_HTTP_DATABASE_URL as
there), under production settings: Django's test client signed in as the bench manager (an API token
for /api/, the session otherwise), N warm-up requests, then one request under pyinstrument with its
SQL captured. Prints the time, size and queries (each with its time), the profile, and with --explain
the EXPLAIN (ANALYZE, BUFFERS) of each read slower than MS milliseconds, run with the planner
settings its transaction had. `{id}` in PATH: a recent incident; `{service}` and `{reporter}` in the
body: a bench service and the bench reporter. Example:

    python -m bench profile GET "/dashboards/sla/?from=2026-09-08&to=2026-12-06" --explain 20
    python -m bench profile POST /api/v1/incidents/ '{"title": "x", "service": {service}, "impact": 2, "urgency": 2}'
"""

import argparse
import re
import time

from .http_bench import parse_params

# What Django (a server-side cursor) and pghistory (the audit context) put before the statement itself.
PREFIX = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?; (?=[A-Z])|^DECLARE .*? CURSOR .*?FOR ")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("method", choices=["GET", "POST"])
    parser.add_argument("path")
    parser.add_argument("body", nargs="?", default=None)
    parser.add_argument("--warm", type=int, default=2, help="requests before the profiled one (default 2)")
    parser.add_argument("--explain", type=float, default=None, metavar="MS", help="EXPLAIN ANALYZE above MS")
    return parser.parse_args(argv)


def _client(path: str, body: str | None):
    """A request function for `path` (placeholders filled) as the bench manager."""
    from django.test import Client

    from incidents.models import Incident

    from .http_bench import _credentials, _seeded_fixtures

    fixtures = _seeded_fixtures()
    if fixtures is None:
        raise SystemExit(
            "[bench profile] the HTTP bench database holds no seeded incidents: run `python -m bench http`"
        )
    token, session = _credentials(fixtures)
    if "{id}" in path:
        path = path.replace("{id}", str(Incident.objects.order_by("-id").values_list("id", flat=True)[500]))
    if body:
        body = body.replace("{service}", str(fixtures.service_ids[0])).replace(
            "{reporter}", str(fixtures.reporter_id)
        )
    client = Client(HTTP_HOST="127.0.0.1")
    if not path.startswith("/api/"):
        client.cookies["sessionid"] = session
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if path.startswith("/api/") else {}

    def request() -> tuple[int, int]:
        if body is None:
            response = client.get(path, **headers)
        else:
            response = client.post(path, body, content_type="application/json", **headers)
        size = sum(map(len, response.streaming_content)) if response.streaming else len(response.content)
        return response.status_code, size

    return request


def _explain(queries: list[dict], above_ms: float) -> None:
    from django.db import connection, transaction

    settings = ""
    for query in queries:
        sql = query["sql"]
        if sql.startswith("SET LOCAL"):
            settings = sql  # the planner settings of the transaction that follows (reports/planner.py)
            continue
        statement = PREFIX.sub("", sql)
        if float(query["time"]) * 1000 < above_ms or not statement.startswith(("SELECT", "(SELECT", "WITH")):
            continue  # fast, or a write (already done: running it again would not plan the same)
        print(f"\n--- {float(query['time']) * 1000:.0f} ms: {sql[:300]}")
        with transaction.atomic(), connection.cursor() as cursor:
            if settings:
                cursor.execute(settings)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
            print("\n".join(row[0] for row in cursor.fetchall()))
            transaction.set_rollback(True)  # leaves nothing behind, whatever the statement called


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    from . import env
    from .http_bench import environ, work_dir

    params = parse_params([])
    env.setup_with(environ(params, work_dir(params) / "var"))  # static files as the last run collected them
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    request = _client(args.path, args.body)
    for _ in range(args.warm):
        started = time.perf_counter()
        status, size = request()
        print(f"warm-up: {status}, {size:,} B, {(time.perf_counter() - started) * 1000:.0f} ms")
    profiler = Profiler(interval=0.0005)
    with CaptureQueriesContext(connection) as queries:
        profiler.start()
        started = time.perf_counter()
        status, size = request()
        elapsed = time.perf_counter() - started
        profiler.stop()
    sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    print(
        f"profiled: {status}, {size:,} B, {elapsed * 1000:.0f} ms, {len(queries)} queries, {sql_ms:.0f} ms of SQL"
    )
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
    print(profiler.output_text(unicode=True, color=False))
    if args.explain is not None:
        _explain(queries.captured_queries, args.explain)
    return 0 if 200 <= status < 300 else 1
