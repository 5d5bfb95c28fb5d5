"""The queue's SLA cell, drawn in Python (incidents/views/queue_rows.py): what a target configured with
markup characters shows, and the countdown's attributes the browser ticks from."""

from datetime import UTC, datetime, timedelta

from incidents.sla_display import QueueSla, SlaBadge
from incidents.views.queue_rows import sla_cell

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def badge(**fields) -> SlaBadge:
    values = {
        "target": "response",
        "target_label": "Response",
        "state": "on_track",
        "state_label": "On track",
        "due_at": NOW + timedelta(minutes=15),
        "at_risk_at": NOW + timedelta(minutes=11),
        "remaining": "15m 00s",
        "ticking": True,
        "target_duration": timedelta(minutes=15),
        "stopped_at": None,
    }
    return SlaBadge(**(values | fields))


def test_a_running_clock_counts_down_from_its_due_instant():
    html = sla_cell(QueueSla(badge(), []), now_iso="2026-12-06T10:00:00.000+00:00")
    assert html.startswith('<div class="sla-cell" data-sla="on_track" data-target="response">')
    assert (
        '<span class="sla-time" data-due="2026-12-06T10:15:00.000+00:00" data-at-risk="2026-12-06T10:11:00.000+00:00"'
        ' data-now="2026-12-06T10:00:00.000+00:00" title="Due 2026-12-06 10:15 UTC">15m 00s</span>'
    ) in html


def test_a_met_clock_shows_no_time_and_other_breaches_are_named():
    met = badge(state="met", state_label="Met", ticking=False, due_at=None, at_risk_at=None)
    html = sla_cell(QueueSla(met, ["response"]), now_iso="")
    assert "sla-time" not in html
    assert (
        '<span class="sla-target">Response · <span class="sla-also">response breached</span></span>' in html
    )


def test_markup_in_a_configured_target_is_shown_as_text():
    odd = badge(target='"><script>x</script>', target_label="<b>Fix</b> & 'close'", ticking=False)
    html = sla_cell(QueueSla(odd, ["<i>vendor</i>"]), now_iso="")
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert 'data-target="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert "&lt;b&gt;Fix&lt;/b&gt; &amp; &#x27;close&#x27;" in html
    assert "&lt;i&gt;vendor&lt;/i&gt; breached" in html
