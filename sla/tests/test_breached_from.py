"""`states.breached_from` (what a record stores as its `breached_field`, e.g. Incident.sla_breached_from):
for a clock taken through any sequence of the engine's operations, at any later instant, "breached_from
<= now" says exactly what `states.is_breached` says (hypothesis, in memory, no database)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.businesstime import ALWAYS
from sla import clock as sla_clock
from sla import states
from sla.models import SlaClock

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
OPERATIONS = ("pause", "resume", "stop", "restart", "retarget", "sweep")

steps = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 600), st.integers(1, 600)), max_size=12
)


def apply(clock: SlaClock, operation: str, at: datetime, minutes: int) -> None:
    if operation in ("pause", "resume", "stop"):
        getattr(sla_clock, operation)(clock, at=at, calendar=ALWAYS)
    elif operation == "restart":  # a target that starts again (a fresh run)
        sla_clock.start(clock, at=at, target=timedelta(minutes=minutes), calendar=ALWAYS)
    elif operation == "retarget":
        sla_clock.retarget(
            clock, at=at, target=timedelta(minutes=minutes), old_calendar=ALWAYS, new_calendar=ALWAYS
        )
    else:  # the sweep (or a transition's catch-up) fires what is due
        for threshold in sla_clock.due_thresholds(clock, now=at):
            sla_clock.mark_fired(clock, threshold, at=at)


@settings(max_examples=300, deadline=None)
@given(
    target=st.integers(1, 600), history=steps, probes=st.lists(st.integers(0, 2000), min_size=1, max_size=5)
)
def test_breached_from_answers_is_breached_at_every_later_instant(target, history, probes):
    clock = SlaClock(target="resolution")
    sla_clock.start(clock, at=T0, target=timedelta(minutes=target), calendar=ALWAYS)
    at = T0
    for operation, gap, minutes in history:
        at += timedelta(minutes=gap)
        apply(clock, operation, at, minutes)
    for probe in probes:
        now = at + timedelta(minutes=probe)
        stored = states.breached_from(clock)
        assert (stored is not None and stored <= now) == states.is_breached(clock, now=now), (history, probe)
