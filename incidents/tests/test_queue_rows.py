"""The queue's rows and SLA cell, drawn in Python (incidents/views/queue_rows.py): what a target configured
with markup characters shows, the countdown's attributes the browser ticks from, and a row's cells."""

from datetime import UTC, datetime, timedelta

from incidents.sla_display import QueueSla, SlaBadge
from incidents.views.queue_rows import NO_SLA, row_html, sla_cell

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


def row(**fields) -> dict:
    values = {
        "id": 42, "version": 3, "number": "INC-000042", "title": 'Disk <full> & "slow"', "priority": 1,
        "status": "new", "created_at": NOW - timedelta(hours=2), "service_name": "Payments <EU>",
        "assignee_name": None,
    }  # fmt: skip
    return values | fields


def test_a_row_escapes_what_people_typed_and_names_what_is_missing():
    html = row_html(row(), url="/incidents/42/", now=NOW, sla=NO_SLA, selectable=False, selected=set())
    assert '<tr data-incident="INC-000042" data-row="42:3" data-can-acknowledge>' in html
    assert (
        'title="Disk &lt;full&gt; &amp; &quot;slow&quot;">Disk &lt;full&gt; &amp; &quot;slow&quot;</td>'
        in html
    )
    assert "<td>Payments &lt;EU&gt;</td>" in html
    assert '<span class="muted">Unassigned</span>' in html
    assert '<span class="badge prio prio-1">P1 critical</span>' in html
    assert '<time datetime="2026-12-06T08:00:00+00:00" title="2026-12-06 08:00 UTC">2h 00m</time>' in html
    assert 'type="checkbox"' not in html


def test_a_selectable_row_keeps_its_selection_and_a_worked_row_cannot_be_acknowledged():
    html = row_html(
        row(status="in_progress", assignee_name="ana"),
        url="/incidents/42/",
        now=NOW,
        sla=NO_SLA,
        selectable=True,
        selected={"42:3"},
    )
    assert 'name="rows" value="42:3" form="bulk-form" aria-label="Select INC-000042" checked>' in html
    assert "data-can-acknowledge" not in html
    assert "<td>ana</td>" in html
