"""The broker-outage run: API creates through gunicorn (production settings) with Redis reachable, then
with the app's broker URL pointed at a closed port (the shared Redis keeps running; only this run's
processes lose it), latency p50/p99 of each; then the broker URL pointed back, workers and beat started,
and every delivery owed (webhooks to a local receiver, emails to a local SMTP sink) counted."""

import time

from . import config, deliveries, sinks, stack, web
from .stats import latency_summary, table

RUN = "outage"
SETTLE_SECONDS = 180.0
ASSIGNEE = "bench-agent-1-2"  # from bench.seed.seed_people: an agent of team 1, with an email address


def _creates(
    base: str, token: str, service_id: int, count: int, label: str
) -> tuple[list[float], dict[int, int]]:
    seconds, statuses = [], {}
    for number in range(count):
        body = {
            "title": f"Reliability {label} {number}",
            "service": service_id,
            "impact": 2,
            "urgency": 2,
            "assignee": ASSIGNEE,  # notified, by email too
        }
        status, took = web.post_json(base, "/api/v1/incidents/", body, token)
        seconds.append(took)
        statuses[status] = statuses.get(status, 0) + 1
    return seconds, statuses


def _settle(log, limit: float) -> float | None:
    """Seconds until nothing is pending (outbox, event handlers), or None after `limit`."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if deliveries.outbox_settled():
            return time.monotonic() - started
        time.sleep(1.0)
    log(f"still pending after {limit:.0f} s")
    return None


def run(*, quick: bool, workers: dict[str, str]) -> tuple[bool, str]:
    count = 20 if quick else 100
    log = lambda message: config.log(RUN, message)  # noqa: E731
    work = config.work_dir(RUN)
    with sinks.webhook_receiver() as (hook_port, hooks), sinks.smtp_sink() as (smtp_port, mail):
        mail_env = {"DJANGO_EMAIL_HOST": "127.0.0.1", "DJANGO_EMAIL_PORT": str(smtp_port)}
        environ = config.environ(RUN, **mail_env)
        config.reset_and_setup(RUN, environ)
        from bench import http_bench, seed
        from notifications.models import WebhookSubscription
        from notifications.signing import new_secret

        fixtures = seed.seed_people(teams=3, email=True)
        token, _ = http_bench._credentials(fixtures)
        WebhookSubscription.objects.create(
            name="reliability receiver",
            url=f"http://127.0.0.1:{hook_port}/hook",
            secret=new_secret(),
            event_types=["*"],
        )
        web_env = environ
        broker_down = {**web_env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{sinks.closed_port()}/12"}
        service = fixtures.service_ids[0]
        with stack.stack(environ, work, workers) as running:
            running.start()
            with web.gunicorn(web_env, work / "gunicorn-up.log") as base:
                web.post_json(base, "/api/v1/incidents/", {"title": "warm-up", "service": service}, token)
                up, up_status = _creates(base, token, service, count, "broker up")
            log(f"{count} creates, broker up: p50 {latency_summary(up)['p50_ms']:.0f} ms")
            _settle(log, SETTLE_SECONDS)
            running.stop()  # the broker is gone for everyone: workers and beat cannot reach it either
            with web.gunicorn(broker_down, work / "gunicorn-down.log") as base:
                web.post_json(base, "/api/v1/incidents/", {"title": "warm-up", "service": service}, token)
                down, down_status = _creates(base, token, service, count, "broker down")
            log(f"{count} creates, broker down: p50 {latency_summary(down)['p50_ms']:.0f} ms")
            from bench.measure import one

            owed = one(
                "SELECT (SELECT count(*) FROM notifications_outboxmessage WHERE status = 'pending'),"
                " (SELECT count(*) FROM core_event WHERE dispatch_due_at IS NOT NULL)"
            )
            restored = time.time()
            running.start()  # the broker is back: beat's sweeps find what the lost nudges did not deliver
            settled = _settle(log, SETTLE_SECONDS)
            time.sleep(2.0)
        after = one(
            "SELECT count(*) FROM notifications_outboxmessage WHERE sent_at >= to_timestamp(%s)", [restored]
        )[0]
        webhooks, emails = deliveries.webhook_figures(hooks), deliveries.email_figures(mail)
    normal, outage = latency_summary(up), latency_summary(down)
    ratio = outage["p50_ms"] / normal["p50_ms"]
    lost = webhooks["webhooks never received"] + emails["emails never received (missed)"]
    rows = [
        ("API creates, broker up: statuses", up_status),
        ("API creates, broker up: p50 / p99 / max (ms)", _ms(normal)),
        ("API creates, broker unreachable: statuses", down_status),
        ("API creates, broker unreachable: p50 / p99 / max (ms)", _ms(outage)),
        ("p50 during the outage / p50 normally (goal ≤ 2)", f"{ratio:.2f}"),
        (
            "when the broker came back: outbox messages pending / events awaiting handlers",
            f"{owed[0]} / {owed[1]}",
        ),
        (
            "seconds until everything was delivered after the broker came back",
            "n/a (did not settle)" if settled is None else f"{settled:.0f}",
        ),
        ("outbox messages sent after the broker came back", after),
        *webhooks.items(),
        *emails.items(),
    ]
    ok = ratio <= 2.0 and lost == 0 and settled is not None and set(up_status) | set(down_status) == {201}
    text = (
        f"{'Quick' if quick else 'Full'} run: {count} sequential creates per phase (`POST /api/v1/incidents/`, token"
        f" auth, gunicorn 2 sync workers, production settings), a webhook subscription on every event, each"
        f" incident assigned (a notification and an email to the assignee); broker unreachable = `CELERY_BROKER_URL` of gunicorn pointed at a closed"
        f" local port (connection refused) while workers and beat are stopped.\n\n" + table(rows)
    )
    return ok, text


def _ms(summary: dict[str, float]) -> str:
    return f"{summary['p50_ms']:.0f} / {summary['p99_ms']:.0f} / {summary['max_ms']:.0f}"
