"""The SLA dashboard's charts in real Chromium, on a laptop (1366 px) and a phone (390 px), for a week,
a month and a quarter of incidents: no two labels of a chart overlap (axis labels, values, legend),
and each stays readable (at least 9 px high on screen)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import Service
from core import roles
from incidents import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOT = "/tmp/opsdesk-dashboard-{width}-{days}.png"

# Every visible text box of each chart shown (the hidden tooltips left out).
LABEL_BOXES = """() => [...document.querySelectorAll('svg.pygal-chart')]
  .filter(svg => svg.getClientRects().length)  // the drawing shown at this width
  .map(svg =>
  [...svg.querySelectorAll('text')]
    .filter(t => t.textContent.trim() && !t.closest('.tooltip') && getComputedStyle(t).display !== 'none'
                 && getComputedStyle(t).visibility !== 'hidden')
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent.trim(), x: r.x, y: r.y, w: r.width, h: r.height}; })
    .filter(b => b.w > 0 && b.h > 0))"""


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["x"] < b["x"] + b["w"] - 0.5
                and b["x"] < a["x"] + a["w"] - 0.5
                and a["y"] < b["y"] + b["h"] - 0.5
                and b["y"] < a["y"] + a["h"] - 0.5
            ):
                found.append((a["text"], b["text"]))
    return found


def _seed(days: int = 95) -> None:
    """A few incidents a day over the last `days` days, worked at varied speeds (some breach)."""
    agent = get_user_model().objects.get(username="manager")
    service = Service.objects.create(name="Payments", slug="payments")
    now = timezone.now()
    for day in range(days, 0, -1):
        for n in range(1 + day % 3):
            when = now - timedelta(days=day, hours=n * 3)
            impact = 1 + (day + n) % 3
            with time_machine.travel(when, tick=False):
                incident = services.incident_create(
                    actor=agent, title=f"Day {day} #{n}", service=service, impact=impact, urgency=impact
                )
            with time_machine.travel(when + timedelta(minutes=5 + 40 * ((day + n) % 4)), tick=False):
                incident = services.incident_transition(incident=incident, actor=agent, action="acknowledge")
            if (day + n) % 5:
                with time_machine.travel(when + timedelta(hours=1 + (day * 7 + n) % 30), tick=False):
                    services.incident_transition(
                        incident=incident,
                        actor=agent,
                        action="resolve",
                        resolution_code="fixed",
                        resolution_notes="Restarted.",
                    )


def test_chart_labels_never_overlap(live_server, page: Page):
    manager = get_user_model().objects.create_user("manager", password="opsdesk")
    manager.groups.add(Group.objects.get_or_create(name=roles.MANAGER)[0])
    _seed()
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    page.goto(f"{live_server.url}/login/?next=/dashboards/sla/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="SLA dashboard")).to_be_visible()

    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for preset in ("7 days", "30 days", "90 days", "This quarter"):
            page.get_by_role("navigation", name="Period presets").get_by_role("link", name=preset).click()
            expect(page.locator('.dash-presets a[aria-current="true"]')).to_have_text(preset)
            charts = page.evaluate(LABEL_BOXES)
            assert len(charts) == 2
            for boxes in charts:
                assert len(boxes) > 10, (width, preset)
                overlapping = _overlaps(boxes)
                small = [b["text"] for b in boxes if b["h"] < 9]
                if overlapping or small:
                    page.screenshot(path=SCREENSHOT.format(width=width, days=preset), full_page=True)
                assert overlapping == [], (width, preset)
                assert small == [], (width, preset)
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (width, preset)
