"""`python -m bench http [--quick]`: every page and API endpoint under load at 1,000,000 incidents (quick:
50,000), each next to bare DRF reference endpoints served by the same gunicorn over the same table.
See bench/RESULTS.md ("HTTP benchmark")."""

import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from .config import bench_database_url, parse_quick
from .http_load import Request

DEFAULT_HTTP_DATABASE_URL = bench_database_url("opsdesk_bench_http")
MAX_SECONDS = 90.0  # longest wrk run of one endpoint in one round


@dataclass(frozen=True)
class HttpParams:
    mode: str  # "full" or "quick"
    incidents: int
    seconds: float  # wrk duration per endpoint and round
    rounds: int
    connections: int
    workers: int  # gunicorn sync workers
    port: int
    database_url: str
    redis_url: str
    only: tuple[str, ...] = ()  # BENCH_HTTP_ONLY: drive only endpoints whose name contains one of these
    reuse: bool = False  # BENCH_HTTP_REUSE: keep the seeded database (migrate only)

    @property
    def key(self) -> str:
        return f"http-{self.mode}"

    @property
    def partial(self) -> bool:
        """Only some endpoints: the table is printed, not written to RESULTS.md."""
        return bool(self.only)


def parse_params(argv: list[str]) -> HttpParams:
    quick = parse_quick(
        argv, prog="python -m bench http", description=__doc__, quick_help="50,000 incidents, 2 rounds of 3 s"
    )
    env = os.environ.get
    return HttpParams(
        mode="quick" if quick else "full",
        incidents=int(env("BENCH_HTTP_INCIDENTS", 50_000 if quick else 1_000_000)),
        seconds=float(env("BENCH_HTTP_SECONDS", 3 if quick else 5)),
        rounds=int(env("BENCH_HTTP_ROUNDS", 2 if quick else 3)),
        connections=int(env("BENCH_HTTP_CONNECTIONS", 8)),
        workers=int(env("BENCH_HTTP_WORKERS", 2)),
        port=int(env("BENCH_HTTP_PORT", 8089)),
        database_url=env("BENCH_HTTP_DATABASE_URL", DEFAULT_HTTP_DATABASE_URL),
        redis_url=env("BENCH_HTTP_REDIS_URL", "redis://127.0.0.1:6379/10"),
        only=tuple(part.strip() for part in env("BENCH_HTTP_ONLY", "").split(",") if part.strip()),
        reuse=env("BENCH_HTTP_REUSE", "0").strip().lower() in {"1", "true", "yes", "on"},
    )


def selected(points: list["Endpoint"], only: tuple[str, ...]) -> list["Endpoint"]:
    """The endpoints whose name contains one of `only` (case-insensitive; all when empty), with the
    references they are compared with, in their usual order."""
    if not only:
        return points
    wanted = {p.name for p in points if any(part.lower() in p.name.lower() for part in only)}
    wanted |= {p.reference for p in points if p.name in wanted and p.reference}
    return [p for p in points if p.name in wanted]


def work_dir(params: HttpParams) -> Path:
    """Where a run keeps its static files, gunicorn's log and its last table."""
    work = Path(tempfile.gettempdir()) / f"opsdesk-bench-{params.key}"
    if params.database_url != DEFAULT_HTTP_DATABASE_URL:  # a database of one's own: a folder of one's own
        work = work.with_name(f"{work.name}-{params.database_url.rsplit('/', 1)[-1]}")
    return work


def environ(params: HttpParams, var_dir: Path) -> dict[str, str]:
    """Production settings, as a deployment would run them (plus the bench's reference URLs)."""
    from .env import prod_environ

    return prod_environ(
        params.database_url,
        params.redis_url,
        var_dir=var_dir,
        OPSDESK_THROTTLE_USER="1000000/min",  # measure the app, not the rate limit
        OPSDESK_BENCH_URLS="1",
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    request: Request
    reference: str | None = None  # name of the reference endpoint it is compared with
    is_reference: bool = False


def endpoints(*, token: str, cookie: str, service_id: int, reporter_id: int) -> list[Endpoint]:
    """In the order they run in each round: each reference just before the endpoints it is compared with."""
    from django.utils import timezone

    auth, session = f"Token {token}", f"sessionid={cookie}"
    api = "/api/v1/incidents/"
    today = timezone.localdate()
    period = f"from={today - timedelta(days=89)}&to={today}"
    create = {"title": "Bench create", "service": service_id, "impact": 2, "urgency": 2}
    ref_list, ref_detail, ref_create = "bare list (cursor)", "bare detail", "bare create"

    def listing(name: str, query: str) -> Endpoint:
        return Endpoint(name, Request(f"{api}?page_size=50{query}", auth=auth), ref_list)

    return [
        Endpoint(ref_list, Request("/bench-ref/incidents/", auth=auth), is_reference=True),
        Endpoint(
            "bare list (page numbers, COUNT(*))",
            Request("/bench-ref/incidents/numbered/", auth=auth),
            ref_list,
        ),
        listing("API list, page of 50", ""),
        listing("API list ?priority=1", "&priority=1"),
        listing("API list ?status=in_progress", "&status=in_progress"),
        listing("API list ?search=<number>", "&search={id}"),
        listing("API list ?ordering=sla_due_at", "&ordering=sla_due_at"),
        listing("API list ?sla=breached", "&sla=breached"),
        Endpoint(ref_detail, Request("/bench-ref/incidents/{id}/", auth=auth), is_reference=True),
        Endpoint("API detail", Request(api + "{id}/", auth=auth), ref_detail),
        Endpoint(
            ref_create,
            Request(
                "/bench-ref/incidents/create/",
                "POST",
                json.dumps({**create, "description": "", "reporter": reporter_id}),
                auth,
            ),
            is_reference=True,
        ),
        Endpoint("API create", Request(api, "POST", json.dumps(create), auth), ref_create),
        Endpoint("queue page (HTML), default view", Request("/incidents/", cookie=session)),
        Endpoint('queue page "Everything"', Request("/incidents/?is_open=", cookie=session)),
        Endpoint("incident detail page", Request("/incidents/{id}/", cookie=session)),
        Endpoint("SLA dashboard, 90 days", Request(f"/dashboards/sla/?{period}", cookie=session)),
        Endpoint("SLA CSV export, 90 days", Request(f"/dashboards/sla/export.csv?{period}", cookie=session)),
    ]


def _log(message: str) -> None:
    print(f"[bench http {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _credentials(fixtures) -> tuple[str, str]:
    """An API token and a signed-in session of the bench manager, written straight to the database."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    manager = get_user_model().objects.get(pk=fixtures.manager_id)
    token = Token.objects.get_or_create(user=manager)[0].key
    session = SessionStore()
    session[SESSION_KEY] = str(manager.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[
        0
    ]  # a session of another backend is refused
    session[HASH_SESSION_KEY] = manager.get_session_auth_hash()
    session.create()
    return token, session.session_key


def _seeded_fixtures():
    """The people and services of an earlier seed of this database (BENCH_HTTP_REUSE), or None when it
    holds no seeded incidents."""
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    from catalog.models import Service
    from incidents.models import Incident

    from .seed import Fixtures

    User = get_user_model()
    try:
        if not Incident.objects.exists():
            return None
        services = list(Service.objects.filter(slug__startswith="bench-service-").order_by("pk"))
        return Fixtures(
            service_ids=[service.pk for service in services],
            group_ids=[service.owning_group_id for service in services],
            member_ids=list(
                User.objects.filter(username__startswith="bench-agent-").values_list("pk", flat=True)
            ),
            reporter_id=User.objects.get(username="bench-reporter").pk,
            manager_id=User.objects.get(username="bench-manager").pk,
        )
    except (DatabaseError, User.DoesNotExist):
        return None


def _database_exists(database_url: str) -> bool:
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(database_url)
    conninfo = {"host": url.hostname, "port": url.port or 5432, "user": url.username or "postgres"}
    if url.password:
        conninfo["password"] = url.password
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        name = url.path.lstrip("/")
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _prepare(params: HttpParams, environ_: dict[str, str]):
    """Migrate (after dropping and re-creating the database, unless reusing a seeded one) and seed;
    returns (fixtures, seconds spent seeding: 0 when reused)."""
    import subprocess
    import sys

    from . import env

    reuse = params.reuse and _database_exists(params.database_url)
    if reuse:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=env.REPO,
            env=environ_,
            check=True,
        )
    else:
        env.reset_database(params.database_url, params.redis_url, environ_)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=env.REPO,
        env=environ_,
        check=True,
    )
    env.setup_with(environ_)
    from . import seed
    from .http_seed import seed_http_incidents

    fixtures = _seeded_fixtures() if reuse else None
    if fixtures is not None:
        _log(
            "BENCH_HTTP_REUSE: the database is seeded already, migrated only (and its SLA roll-up refreshed)"
        )
        from reports.rollup import sla_rollup_refresh

        sla_rollup_refresh()  # a migration may have emptied it; the hourly task would refill it
        return fixtures, 0.0
    started = time.monotonic()
    fixtures = seed.seed_people(teams=10, email=False)
    seed_http_incidents(fixtures, count=params.incidents)
    seed.vacuum_analyze()
    from reports.rollup import sla_rollup_refresh

    sla_rollup_refresh()  # as the hourly task leaves it: the dashboard reads the roll-up, not all clocks
    seed_seconds = time.monotonic() - started
    _log(f"seeded {params.incidents:,} incidents in {seed_seconds:.0f} s")
    return fixtures, seed_seconds


def run(params: HttpParams) -> int:
    from . import http_load, http_report

    _log(f"{params.mode} run: {params.incidents:,} incidents, {params.rounds} rounds of {params.seconds:g} s")
    work = work_dir(params)
    work.mkdir(exist_ok=True)
    environ_ = environ(params, work / "var")
    wrk = http_load.ensure_wrk()
    fixtures, seed_seconds = _prepare(params, environ_)
    from . import report

    machine = report.machine()
    token, cookie = _credentials(fixtures)
    ids = _id_range()
    points = endpoints(
        token=token, cookie=cookie, service_id=fixtures.service_ids[0], reporter_id=fixtures.reporter_id
    )
    points = selected(points, params.only)
    runs: dict[str, list[http_load.WrkRun]] = {point.name: [] for point in points}
    with http_load.gunicorn(
        environ_, port=params.port, workers=params.workers, log=work / "gunicorn.log"
    ) as base:
        single, rows = {}, {}
        for point in points:  # one request each: checks the status, warms the workers, times the slow ones
            status, seconds, body = http_load.fetch_body(base, point.request, incident_id=ids[1])
            single[point.name] = status, seconds, len(body)
            if ".csv" in point.request.path:
                rows[point.name] = max(body.count(b"\n") - 1, 0)  # lines after the header
            _log(f"{point.name}: status {status}, {seconds:.2f} s")
        refused = [name for name, (status, *_rest) in single.items() if not 200 <= status < 300]
        if refused:  # timing a login redirect or an error page would give figures that mean nothing
            raise SystemExit(f"[bench http] not answered with 2xx, so not measured: {', '.join(refused)}")
        for number in range(1, params.rounds + 1):
            for point in points:
                # a slow endpoint runs long enough to complete a few requests per connection pair
                seconds = min(max(params.seconds, 3 * single[point.name][1]), MAX_SECONDS)
                run_ = http_load.wrk(
                    wrk, base, point.request, seconds=seconds, connections=params.connections, ids=ids
                )
                http_load.drain(base, params.workers)
                runs[point.name].append(run_)
                _log(f"round {number} {point.name}: {run_.rate:.1f} req/s p50 {run_.p50_ms:.0f} ms")
    table = http_report.Table(
        params=params,
        machine=machine,
        seed_seconds=seed_seconds,
        single=single,
        rows=rows,
        incidents=_count(),
    )
    text = http_report.render(table, points, runs)
    print(text, flush=True)
    (work / "last-table.md").write_text(text + "\n")
    if params.partial:
        _log(f"BENCH_HTTP_ONLY: not written to {report.RESULTS} (see {work / 'last-table.md'})")
    else:
        report.write_block(params.key, text)
        _log(f"wrote {report.RESULTS}")
    missed = [goal for goal, _figure, met in http_report.goals(table, points, runs) if not met]
    for goal in missed:
        _log(f"goal missed: {goal}")
    return 1 if missed else 0


def _count() -> int:
    """How many incidents the run served (a reused database may hold another number than asked for);
    the planner's estimate, exact after the seed's VACUUM ANALYZE, not a COUNT(*) of a million rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'incidents_incident'")
        return max(int(cursor.fetchone()[0]), 0)


def _id_range() -> tuple[int, int]:
    from django.db.models import Max, Min

    from incidents.models import Incident

    bounds = Incident.objects.aggregate(low=Min("id"), high=Max("id"))
    return bounds["low"], bounds["high"]


def main(argv: list[str]) -> int:
    return run(parse_params(argv))
