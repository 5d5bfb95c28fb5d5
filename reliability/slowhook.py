"""The slow-webhook run: a local receiver that answers every POST after 6 s, a webhook subscription on
every event, incidents whose resolution deadlines pass over 1 min (quick) or 2 min, Procfile.dev's workers
(or --worker) and beat. Every breach queues a webhook, so deliveries pile up behind the slow receiver
on the same workers; the figure is how late the thresholds fire meanwhile (goal: ≤ 15 s)."""

import time
from dataclasses import dataclass

from bench.report import GOAL_SECONDS

from . import config, deliveries, sinks, stack
from .stats import table

RUN = "slowhook"
UNFIRED, OLDEST = (
    "deadlines passed but not fired at the end",
    "oldest of those, overdue by (s)",
)  # bench.measure


@dataclass(frozen=True)
class Plan:
    incidents: int
    spread_seconds: float
    delay_seconds: float = 6.0  # the receiver's answer time (longer than the default 5 s webhook timeout)
    lead_seconds: float = 40.0
    margin_seconds: float = 180.0


def run(*, quick: bool, workers: dict[str, str]) -> tuple[bool, str]:
    plan = (
        Plan(incidents=1_000, spread_seconds=60.0) if quick else Plan(incidents=2_000, spread_seconds=120.0)
    )
    log = lambda message: config.log(RUN, message)  # noqa: E731
    with sinks.webhook_receiver(delay=plan.delay_seconds) as (hook_port, hooks):
        environ = config.environ(RUN)
        log(
            f"{plan.incidents:,} incidents over {plan.spread_seconds:g} s; receiver answers after {plan.delay_seconds:g} s"
        )
        config.reset_and_setup(RUN, environ)
        from bench import measure, seed
        from notifications.models import WebhookSubscription
        from notifications.signing import new_secret

        seed.check_spread(latest_due_seconds=plan.lead_seconds + plan.spread_seconds)
        fixtures = seed.seed_people(teams=10, email=False)
        WebhookSubscription.objects.create(
            name="slow receiver",
            url=f"http://127.0.0.1:{hook_port}/hook",
            secret=new_secret(),
            event_types=["*"],
        )
        first_due = time.monotonic() + plan.lead_seconds
        seed.seed_incidents(
            fixtures,
            count=plan.incidents,
            due_from=plan.lead_seconds,
            due_to=plan.lead_seconds + plan.spread_seconds,
        )
        seed.vacuum_analyze()
        with stack.stack(environ, config.work_dir(RUN), workers) as running:
            ready = running.start()
            log(f"workers ready in {ready:.1f} s; first deadline in {first_due - time.monotonic():.0f} s")
            give_up = first_due + plan.spread_seconds + plan.margin_seconds
            last_print = 0.0
            while True:
                running.check_alive()
                total, fired, due = measure.progress()
                now = time.monotonic()
                if now - last_print > 10 or fired == total:
                    last_print = now
                    log(
                        f"t={now - first_due:+.0f} s due {due:,} fired {fired:,}/{total:,};"
                        f" webhook POSTs received {hooks.received:,}, outbox pending {measure.outbox_pending():,}"
                    )
                if fired == total or now > give_up:
                    break
                time.sleep(1.0)
            finished = fired == total
        figures = measure.run_figures(spread_seconds=plan.spread_seconds)
        webhooks = deliveries.webhook_figures(hooks)
    late = figures.actual.get("max", float("inf"))
    rows = [
        ("every deadline fired within the wait", "yes" if finished else "**NO**"),
        ("thresholds fired / expected", f"{figures.fired:,} / {figures.expected:,}"),
        *(
            (
                f"lateness of the fired ones, {name} (s): p50 / p90 / p99 / max",
                " / ".join(f"{stats.get(k, float('nan')):.1f}" for k in ("p50", "p90", "p99", "max")),
            )
            for name, stats in (
                ("first breach notification − due_at", figures.actual),
                ("breached_at − due_at", figures.recorded),
            )
        ),
        (
            f"goal: every threshold fires ≤ {GOAL_SECONDS:g} s late",
            "met" if finished and late <= GOAL_SECONDS else "**NOT met**",
        ),
        *((key, value) for key, value in figures.sweeps.items() if "gap" in key or "sweeps" in key),
        ("deadlines passed but not fired at the end", figures.counts.get(UNFIRED, 0)),
        ("the oldest of those, overdue by (s)", figures.counts.get(OLDEST, 0)),
        (
            "duplicated thresholds",
            figures.duplicates["SLA timeline entries per (incident, target, threshold) > 1"],
        ),
        *(
            (f"{key}, at the end (undelivered ones are still being retried)", value)
            for key, value in webhooks.items()
        ),
    ]
    ok = finished and late <= GOAL_SECONDS
    text = (
        f"{'Quick' if quick else 'Full'} run: {plan.incidents:,} incidents, deadlines over {plan.spread_seconds:g} s,"
        f" a webhook subscription on every event to a receiver answering after {plan.delay_seconds:g} s, workers"
        f" {', '.join(f'`{c}`' for c in workers.values())} + beat, OPSDESK_SWEEP_SECONDS={config.SWEEP_SECONDS:g}.\n\n"
        + table(rows)
    )
    return ok, text
