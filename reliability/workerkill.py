"""The worker-kill run: 2,000 incidents whose resolution deadlines pass over 1 min (quick) or 2 min,
real Celery workers (Procfile.dev's, or --worker) and beat, and 5 × `kill -9` of the workers while the
deadlines pass, each followed by a restart. Then: thresholds missed or fired twice, notifications
missed or duplicated, emails missed or received twice by a local SMTP sink, webhooks (a subscription on
every event) missed or received twice by a local receiver. A copy sent again must carry the first copy's
Message-ID or webhook-id: only a send accepted in the instant before a kill, ahead of its record, may
go out twice (notifications/delivery.py)."""

import time
from dataclasses import dataclass

from . import config, deliveries, sinks, stack
from .stats import table

RUN = "workerkill"


@dataclass(frozen=True)
class Plan:
    incidents: int = 2_000
    spread_seconds: float = 120.0
    lead_seconds: float = 40.0  # seeding → first deadline: time for the workers to start
    kills: int = 5
    margin_seconds: float = 180.0  # after the last deadline, how long everything may take to settle


def kill_times(plan: Plan) -> list[float]:
    """Seconds after the first deadline at which to kill: evenly inside the window the deadlines pass."""
    step = plan.spread_seconds / plan.kills
    return [step * (k + 0.5) for k in range(plan.kills)]


def run(*, quick: bool, workers: dict[str, str]) -> tuple[bool, str]:
    plan = Plan(spread_seconds=60.0 if quick else 120.0)
    log = lambda message: config.log(RUN, message)  # noqa: E731
    with sinks.smtp_sink() as (smtp_port, mail), sinks.webhook_receiver() as (hook_port, hooks):
        environ = config.environ(RUN, DJANGO_EMAIL_HOST="127.0.0.1", DJANGO_EMAIL_PORT=str(smtp_port))
        log(
            f"{plan.incidents:,} incidents over {plan.spread_seconds:g} s, {plan.kills} kills; workers: {workers}"
        )
        config.reset_and_setup(RUN, environ)
        from bench import measure, seed
        from notifications.models import WebhookSubscription
        from notifications.signing import new_secret

        seed.check_spread(latest_due_seconds=plan.lead_seconds + plan.spread_seconds)
        fixtures = seed.seed_people(teams=10, email=True)
        WebhookSubscription.objects.create(
            name="receiver", url=f"http://127.0.0.1:{hook_port}/hook", secret=new_secret(), event_types=["*"]
        )
        first_due = time.monotonic() + plan.lead_seconds
        seed.seed_incidents(
            fixtures,
            count=plan.incidents,
            due_from=plan.lead_seconds,
            due_to=plan.lead_seconds + plan.spread_seconds,
        )
        seed.vacuum_analyze()
        pending_kills = kill_times(plan)
        downtime: list[float] = []
        with stack.stack(environ, config.work_dir(RUN), workers) as running:
            ready = running.start()
            log(f"workers ready in {ready:.1f} s; first deadline in {first_due - time.monotonic():.0f} s")
            give_up = first_due + plan.spread_seconds + plan.margin_seconds
            last_print = 0.0
            while True:
                running.check_alive()
                now = time.monotonic()
                if pending_kills and now - first_due >= pending_kills[0]:
                    pending_kills.pop(0)
                    running.kill_workers()
                    log(f"kill -9 of the workers at t={now - first_due:+.0f} s; restarting")
                    running.start_workers()
                    downtime.append(running.wait_ready())
                total, fired, due = measure.progress()
                settled = fired == total and not pending_kills and deliveries.outbox_settled()
                if now - last_print > 10 or settled:
                    last_print = now
                    log(f"t={now - first_due:+.0f} s due {due:,} fired {fired:,}/{total:,}")
                if settled or now > give_up:
                    break
                time.sleep(1.0)
            finished = settled
            time.sleep(2.0)  # the last SMTP conversations end
        figures = measure.run_figures(spread_seconds=plan.spread_seconds)
        missed = figures.expected - figures.fired
        duplicated = figures.duplicates["SLA timeline entries per (incident, target, threshold) > 1"]
        notified_twice = figures.duplicates["notifications per (recipient, event_key) > 1"]
        unnotified = deliveries.missed_breach_notifications()
        emails = deliveries.email_figures(mail)
        webhooks = deliveries.webhook_figures(hooks)
        rows = [
            ("kills (kill -9 of every worker's process group, then a restart)", len(downtime)),
            (
                "seconds until the restarted workers answered a ping (mean)",
                sum(downtime) / max(len(downtime), 1),
            ),
            ("everything settled within the wait", "yes" if finished else "**NO**"),
            (
                "thresholds (resolution breaches) fired / expected",
                f"{figures.fired:,} / {figures.expected:,}",
            ),
            ("thresholds missed", missed),
            ("thresholds duplicated (SLA timeline entries per incident, target, threshold > 1)", duplicated),
            ("breach notifications", figures.counts["breach notifications"]),
            ("breaches without a notification (missed)", unnotified),
            ("notifications duplicated (per recipient and event > 1)", notified_twice),
            *emails.items(),
            *webhooks.items(),
            (
                "lateness, first breach notification − due_at (s): p50 / p99 / max",
                " / ".join(f"{figures.actual.get(key, float('nan')):.1f}" for key in ("p50", "p99", "max")),
            ),
        ]
    ok = finished and not (missed or duplicated or notified_twice or unnotified)
    ok = ok and not emails["emails never received (missed)"] and not webhooks["webhooks never received"]
    ok = ok and not emails["extra copies with another Message-ID than the first (unrecognisable)"]
    text = (
        f"{'Quick' if quick else 'Full'} run: {plan.incidents:,} incidents, deadlines over "
        f"{plan.spread_seconds:g} s, workers {', '.join(f'`{c}`' for c in workers.values())} + beat, "
        f"OPSDESK_SWEEP_SECONDS={config.SWEEP_SECONDS:g}.\n\n" + table(rows)
    )
    return ok, text
