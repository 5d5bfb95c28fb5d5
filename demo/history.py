"""Ninety days of incident history for the demo, so the SLA dashboard, its trends and the backlog
have something to say: a few hundred incidents arriving mostly in office hours on weekdays, a few
P1 storms, acknowledgements and resolutions after varied delays (some late: breaches), some put on
hold, some reopened, some cancelled, the latest still open.

Everything is written through incidents.services, at the instant it happens in the story: the
clock is moved there with time-machine (so clocks, timelines and events carry those instants), and
the SLA sweep runs as time passes (thresholds fire when they would have, give or take SWEEP_STEP).
The story is drawn from a seeded random generator relative to the day it is loaded. Events older
than a day are marked handled: history is not announced to anyone again (no e-mail flood at the
first `make run`)."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import log

import time_machine
from django.utils import timezone

from core.models import Event, TimelineEntry
from core.priority import priority_for
from incidents import services as incident_services
from incidents.models import Incident, ResolutionCode, Source
from incidents.sla import sweep_sla_clocks

DAYS = 90
SEED = 20261206
INTERNAL = TimelineEntry.Visibility.INTERNAL
ANNOUNCE_WITHIN = timedelta(days=1)  # events newer than this are dispatched as usual
# The default policies' targets (sla migration 0002): priority → (response, resolution).
TARGETS = {
    1: (timedelta(minutes=15), timedelta(hours=2)),
    2: (timedelta(minutes=30), timedelta(hours=4)),
    3: (timedelta(hours=2), timedelta(hours=8)),
    4: (timedelta(hours=4), timedelta(hours=24)),
}
# Arrivals per hour of the day (local to the default time zone), weekdays: office-hours peaks.
HOURLY = (1, 1, 1, 1, 1, 2, 3, 6, 10, 12, 11, 9, 7, 9, 11, 10, 8, 6, 4, 3, 2, 2, 1, 1)
WEEKDAY_RATE, WEEKEND_RATE = 3.6, 1.1  # incidents per day on average
# priority → weight, and the (impact, urgency) that give it
PRIORITY_WEIGHTS = {1: 3, 2: 14, 3: 45, 4: 38}
IMPACT_URGENCY = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (3, 2)}

# service slug → (team, [(title, ci or None)])
PROBLEMS = {
    "payments": (
        "Service Desk",
        [
            ("Card payments declined with timeout", "pay-api"),
            ("Refunds stuck in pending", "pay-api"),
            ("pay-db-1 disk usage above 85%", "pay-db-1"),
            ("Settlement report missing transactions", "pay-db-1"),
            ("Wallet payments fail for one bank", "pay-api"),
        ],
    ),
    "checkout-web": (
        "Service Desk",
        [
            ("Checkout page loads slowly", "checkout-web"),
            ("Promo codes rejected at checkout", "checkout-web"),
            ("Images missing on the basket page", "checkout-cdn"),
            ("CDN returns stale prices", "checkout-cdn"),
        ],
    ),
    "identity-sso": (
        "Service Desk",
        [
            ("Users logged out every few minutes", "sso-idp"),
            ("MFA codes not accepted", "sso-idp"),
            ("New starter cannot sign in", None),
            ("Password reset link expired immediately", "sso-idp"),
        ],
    ),
    "data-warehouse": (
        "Platform team",
        [
            ("Nightly load late", "dwh-etl"),
            ("Sales dashboard shows yesterday's figures", "dwh-db"),
            ("dwh-db query timeouts", "dwh-db"),
        ],
    ),
    "corporate-network": (
        "Platform team",
        [
            ("VPN drops for remote staff", "vpn-gw-1"),
            ("Office Wi-Fi slow on floor 3", "core-switch-1"),
            ("Packet loss on the core switch uplink", "core-switch-1"),
            ("Printer queue unreachable", None),
        ],
    ),
    "team-wiki": (
        "Service Desk",
        [
            ("Wiki page edits fail to save", "wiki-app"),
            ("Wiki attachments do not open", "wiki-app"),
        ],
    ),
}
# P1 storms: (days ago, hour, service, CI, first title, follow-up titles)
STORMS = (
    (74, 10, "payments", "pay-api", "Payments outage: every card payment fails",
     ["Checkout shows 'payment failed'", "Customers charged twice?", "Mobile app payments fail",
      "Alert: pay-api error rate 100%", "Call centre flooded with payment complaints"]),
    (41, 14, "identity-sso", "sso-idp", "SSO down: nobody can sign in",
     ["Staff locked out of email", "Customer login returns 500", "Alert: sso-idp health check failing",
      "VPN sign-in fails (SSO)"]),
    (12, 9, "corporate-network", "core-switch-1", "Head office network down",
     ["No internet on any floor", "Phones offline at head office", "Alert: core-switch-1 unreachable",
      "Warehouse scanners disconnected", "Meeting rooms cannot join calls"]),
)  # fmt: skip
WORK_NOTES = (
    "Checked the logs; the errors started after the last deploy.",
    "Asked the caller for a screenshot and the exact time.",
    "Restarted the service; watching the error rate.",
    "Vendor ticket opened, waiting for their answer.",
    "Same symptom as last week's incident; applying the same fix.",
)
RESOLUTIONS = (
    (ResolutionCode.FIXED, "Rolled back the faulty release."),
    (ResolutionCode.FIXED, "Restarted the stuck worker and cleared the queue."),
    (ResolutionCode.WORKAROUND, "Rerouted traffic to the standby; permanent fix in a change."),
    (ResolutionCode.FIXED, "Replaced the expired certificate."),
    (ResolutionCode.CANNOT_REPRODUCE, "Works again for the caller; no error in the logs."),
    (ResolutionCode.RESOLVED_BY_CHANGE, "Fixed by the configuration change deployed tonight."),
)

HOLD_REASONS = ("awaiting_caller", "awaiting_vendor", "awaiting_change")


MISTAKE = {"note": "Raised by mistake: not an incident."}
REFIXED = {"resolution_code": ResolutionCode.FIXED, "resolution_notes": "Fixed for good this time."}


@dataclass
class Plan:
    """One incident of the story: how it is filed and the steps after, each at its instant."""

    at: datetime
    title: str
    service: str
    ci: str | None
    priority: int
    team: str
    assignee: str
    source: str = Source.WEB
    description: str = ""
    steps: list[tuple[datetime, str, dict]] = field(default_factory=list)


def _delay(rng: random.Random, target: timedelta, median: float, spread: float = 0.7) -> timedelta:
    """A delay around `median` × target (log-normal): most within the target, some well past it."""
    return max(timedelta(minutes=1), target * rng.lognormvariate(log(median), spread))


def _arrivals(rng: random.Random, start: datetime, now: datetime) -> list[datetime]:
    local_zone = timezone.get_default_timezone()
    days = []
    day = timezone.localtime(start, local_zone).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < now:
        rate = WEEKDAY_RATE if day.weekday() < 5 else WEEKEND_RATE
        count = sum(1 for _ in range(int(rate * 4)) if rng.random() < 0.25)  # about `rate`
        for _ in range(count):
            hour = rng.choices(range(24), weights=HOURLY)[0]
            at = day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))
            if start <= at < now:
                days.append(at)
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)  # across DST changes
    return days


def _lifecycle(rng: random.Random, plan: Plan, *, storm_end: datetime | None = None) -> None:
    """The steps after filing: acknowledge, work, maybe hold, resolve, maybe reopen, close; or cancel."""
    response, resolution = TARGETS[plan.priority]
    t = plan.at
    if rng.random() < 0.03 and storm_end is None:
        plan.steps.append((t + timedelta(minutes=rng.randrange(10, 90)), "cancel", MISTAKE))
        return
    t += _delay(rng, response, 0.4)
    plan.steps.append((t, "acknowledge", {}))
    held = timedelta(0)
    if rng.random() < 0.85:
        t += timedelta(minutes=rng.randrange(2, 25))
        plan.steps.append((t, "start", {}))
        if rng.random() < 0.35:
            note = rng.choice(WORK_NOTES)
            plan.steps.append((t + timedelta(minutes=rng.randrange(5, 40)), "comment", {"body": note}))
        if storm_end is None and rng.random() < 0.04:  # waits for a vendor for weeks: the backlog's tail
            waits = {"hold_reason": "awaiting_vendor", "note": "Vendor case opened; waiting for their fix."}
            plan.steps.append((t + timedelta(hours=1), "hold", waits))
            return
        if storm_end is None and rng.random() < 0.12:
            hold_at = t + timedelta(minutes=rng.randrange(10, 120))
            held = timedelta(hours=rng.uniform(2, 40))
            reason = {
                "hold_reason": HOLD_REASONS[len(plan.steps) % len(HOLD_REASONS)]
            }  # the rng's draws unchanged
            plan.steps += [(hold_at, "hold", reason), (hold_at + held, "resume", {})]
    end = storm_end if storm_end is not None else plan.at + _delay(rng, resolution, 0.45) + held
    end = max(end, max(step[0] for step in plan.steps) + timedelta(minutes=5))
    code, notes = rng.choice(RESOLUTIONS)
    plan.steps.append((end, "resolve", {"resolution_code": code, "resolution_notes": notes}))
    if rng.random() < 0.07:
        reopened = end + timedelta(hours=rng.uniform(1, 30))
        plan.steps.append((reopened, "reopen", {"note": "The caller reports the problem is back."}))
        end = reopened + _delay(rng, resolution, 0.3)
        plan.steps.append((end, "resolve", REFIXED))
    plan.steps.append((end + timedelta(days=3), "close", {}))  # closed once the caller had time to object


def build_story(now: datetime, *, agents: dict[str, list[str]]) -> list[Plan]:
    """The incidents of the last DAYS days up to `now` (steps after `now` left out), by filing time.
    `agents`: team name → usernames who work its incidents."""
    rng = random.Random(SEED)
    start = now - timedelta(days=DAYS)
    plans = []
    slugs = list(PROBLEMS)
    for at in _arrivals(rng, start, now):
        slug = rng.choices(slugs, weights=(5, 4, 4, 2, 3, 1))[0]
        team, problems = PROBLEMS[slug]
        title, ci = rng.choice(problems)
        priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
        plan = Plan(at, title, slug, ci, priority, team, rng.choice(agents[team]),
                    source=rng.choice((Source.WEB, Source.WEB, Source.WEB, Source.API, Source.ALERT)))  # fmt: skip
        _lifecycle(rng, plan)
        plans.append(plan)
    for days_ago, hour, slug, ci, first, follow_ups in STORMS:
        if days_ago >= DAYS:
            continue
        team = PROBLEMS[slug][0]
        day = timezone.localtime(now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0)
        storm_end = day + timedelta(hours=rng.uniform(1.5, 3.5))
        lead = Plan(day, first, slug, ci, 1, team, agents[team][0], source=Source.ALERT,
                    description="Major incident: bridge call open, updates every 30 minutes.")  # fmt: skip
        _lifecycle(rng, lead, storm_end=storm_end)
        plans.append(lead)
        for n, title in enumerate(follow_ups):
            follower = Plan(day + timedelta(minutes=4 + 9 * n + rng.randrange(5)), title, slug, ci,
                            rng.choice((1, 2)), team, rng.choice(agents[team]), source=Source.WEB)  # fmt: skip
            if n % 2:
                follower.steps.append((follower.at + timedelta(minutes=rng.randrange(5, 20)), "cancel",
                                       {"note": f"Duplicate of the major incident '{first}'."}))  # fmt: skip
            else:
                _lifecycle(rng, follower, storm_end=storm_end + timedelta(minutes=rng.randrange(5, 30)))
            plans.append(follower)
    for plan in plans:
        plan.steps = [step for step in plan.steps if step[0] < now]
    return sorted(plans, key=lambda plan: plan.at)


def load_history(
    *, users: dict, services: dict, cis: dict, groups: dict, members: dict[str, list[str]], now=None
) -> int:
    """Play the story through the services; returns the number of incidents filed. `users`:
    username → user; `services`: slug → service; `cis`: name → CI; `groups`: team name → group;
    `members`: team name → usernames who work its incidents."""
    now = (now or timezone.now()).replace(microsecond=0)
    plans = build_story(now, agents=members)
    # every moment something happens: (instant, order, plan index, step index); -1 = filing
    moments = sorted(
        [(plan.at, 0, i, -1) for i, plan in enumerate(plans)]
        + [(at, 1, i, j) for i, plan in enumerate(plans) for j, (at, _, _) in enumerate(plan.steps)]
    )
    filed: dict[int, Incident] = {}
    with time_machine.travel(plans[0].at if plans else now, tick=False) as traveller:
        for at, _, i, j in moments:
            traveller.move_to(at)
            plan = plans[i]
            actor = users[plan.assignee]
            if j < 0:
                impact, urgency = IMPACT_URGENCY[plan.priority]
                assert priority_for(impact, urgency) == plan.priority
                filed[i] = incident_services.incident_create(
                    actor=actor, title=plan.title, description=plan.description,
                    service=services[plan.service], ci=cis.get(plan.ci), impact=impact, urgency=urgency,
                    assignment_group=groups[plan.team], assignee=actor, source=plan.source,
                )  # fmt: skip
                continue
            _, action, params = plan.steps[j]
            if action == "comment":
                incident_services.incident_comment_add(
                    incident=filed[i], actor=actor, body=params["body"], visibility=INTERNAL
                )
            else:
                filed[i] = incident_services.incident_transition(
                    incident=filed[i], actor=actor, action=action, **params
                )
        traveller.move_to(now)
        sweep_sla_clocks(now=now)  # what is overdue now; each transition caught up its clocks already
    Event.objects.filter(occurred_at__lt=now - ANNOUNCE_WITHIN, dispatch_due_at__isnull=False).update(
        dispatch_due_at=None
    )
    return len(plans)
