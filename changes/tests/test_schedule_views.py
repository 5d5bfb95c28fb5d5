"""Scheduling a change from its detail page: the panel offers the window, books it, and shows the
service's refusals in place (freeze window, conflicts to acknowledge, bad window, stale version, a
freeze override without reason or right) with the status a client would get from the API."""

from datetime import timedelta

import pytest
from django.urls import reverse

from changes.freeze import freeze_window_create
from changes.models import ChangeConflict, ChangeType, Status
from changes.scheduling import change_schedule
from changes.tests.scheduling_helpers import at, make_change
from core import roles

pytestmark = pytest.mark.django_db


def _form(change, start, end, **extra) -> dict:
    return {
        "version": change.version,
        "planned_start": start.strftime("%Y-%m-%dT%H:%M"),
        "planned_end": end.strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }


def _post(client, change, data):
    return client.post(reverse("changes:schedule", args=[change.pk]), data)


@pytest.fixture
def agent_client(client, requester):
    client.force_login(requester)
    return client


def test_the_page_offers_the_planned_window_and_schedules_a_new_one(agent_client, requester):
    change = make_change(requester=requester, start=at(3))
    page = agent_client.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert 'data-action="schedule"' in page
    assert f'value="{at(3):%Y-%m-%dT%H:%M}"' in page

    response = _post(agent_client, change, _form(change, at(4, 14), at(4, 16), note="Quiet afternoon."))
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == Status.SCHEDULED
    assert (change.planned_start, change.planned_end) == (at(4, 14), at(4, 16))
    page = agent_client.get(response.url).content.decode()
    assert f"{change.number} is scheduled for {at(4, 14):%Y-%m-%d %H:%M}" in page
    assert "Quiet afternoon." in page
    assert "Reschedule…" in page  # a scheduled change can be moved


def test_a_freeze_window_is_refused_in_the_panel(agent_client, requester, chgmgr):
    freeze_window_create(actor=chgmgr, name="Quarter-end freeze", starts_at=at(2, 0), ends_at=at(3, 0))
    change = make_change(requester=requester, start=at(2))
    response = _post(agent_client, change, _form(change, at(2), at(2, 12)))
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="schedule-error"' in page and "Quarter-end freeze" in page
    assert '<details class="action-panel" data-action="schedule" id="schedule" open>' in page
    change.refresh_from_db()
    assert change.status == Status.APPROVED


def test_a_conflict_is_named_then_acknowledged_with_a_note(agent_client, requester, critical_ci):
    first = change_schedule(change=make_change(requester=requester, cis=[critical_ci]), actor=requester)
    second = make_change(requester=requester, cis=[critical_ci], start=at(1, 11), title="Tune autovacuum")
    page = agent_client.get(reverse("changes:detail", args=[second.pk])).content.decode()
    field = f"ack-{first.pk}-ci"
    assert f'name="{field}"' in page  # the panel lists the conflict, ready to acknowledge

    refused = _post(agent_client, second, _form(second, at(1, 11), at(1, 13)))
    assert refused.status_code == 409
    page = refused.content.decode()
    assert f"collides with {first.number} (same configuration item: pay-db-1)" in page
    assert f'name="{field}"' in page

    blank = _post(agent_client, second, _form(second, at(1, 11), at(1, 13), **{field: "  "}))
    assert blank.status_code == 409  # a blank note acknowledges nothing

    done = _post(
        agent_client, second, _form(second, at(1, 11), at(1, 13), **{field: "Same DBA, in sequence."})
    )
    assert done.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.SCHEDULED
    ack = ChangeConflict.objects.get(change=second)
    assert (ack.other_id, ack.kind, ack.note, ack.acknowledged_by) == (
        first.pk, "ci", "Same DBA, in sequence.", requester
    )  # fmt: skip
    assert "Same DBA, in sequence." in agent_client.get(done.url).content.decode()


def test_bad_windows_are_field_errors(agent_client, requester):
    change = make_change(requester=requester)
    backwards = _post(agent_client, change, _form(change, at(2, 12), at(2, 10)))
    assert backwards.status_code == 400
    assert "The window must end after it starts." in backwards.content.decode()
    past = _post(agent_client, change, _form(change, at(-2), at(-2, 12)))
    assert past.status_code == 400
    assert "The planned start cannot be in the past." in past.content.decode()
    missing = _post(agent_client, change, {"version": change.version})
    assert missing.status_code == 400
    change.refresh_from_db()
    assert change.status == Status.APPROVED


def test_an_emergency_change_overrides_a_freeze_with_a_reason_given_by_a_change_manager(
    client, requester, chgmgr
):
    freeze_window_create(actor=chgmgr, name="Quarter-end freeze", starts_at=at(1, 0), ends_at=at(2, 0))
    change = make_change(requester=requester, type=ChangeType.EMERGENCY)
    client.force_login(chgmgr)
    page = client.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert "Freeze override reason" in page

    without = _post(client, change, _form(change, at(1), at(1, 12)))
    assert without.status_code == 400
    assert "give the reason for this emergency change to override it" in without.content.decode()

    client.force_login(requester)  # an agent may schedule, not override a freeze
    refused = _post(client, change, _form(change, at(1), at(1, 12), override_reason="Card fraud fix"))
    assert refused.status_code == 403
    assert "Only change managers may schedule an emergency change into a freeze." in refused.content.decode()

    client.force_login(chgmgr)
    done = _post(client, change, _form(change, at(1), at(1, 12), override_reason="Card fraud fix"))
    assert done.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.freeze_override_reason) == (Status.SCHEDULED, "Card fraud fix")


def test_a_normal_change_has_no_override_field(agent_client, requester):
    change = make_change(requester=requester)
    page = agent_client.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert "Freeze override reason" not in page


def test_a_stale_page_is_refused_and_shown_as_it_is_now(agent_client, requester):
    change = make_change(requester=requester)
    stale = _form(change, at(2), at(2, 12))
    change_schedule(change=change, actor=requester)
    response = _post(agent_client, change, stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    change.refresh_from_db()
    assert change.planned_start == at(1)


def test_only_an_approved_or_scheduled_change_by_someone_allowed(client, requester, make_user):
    draft = make_change(requester=requester, approved=False)
    client.force_login(requester)
    page = client.get(reverse("changes:detail", args=[draft.pk])).content.decode()
    assert 'data-action="schedule"' not in page
    refused = _post(client, draft, _form(draft, at(2), at(2, 12)))
    assert refused.status_code == 409
    assert "Cannot schedule while the status is &#x27;draft&#x27;" in refused.content.decode()

    approved = make_change(requester=requester)
    client.force_login(make_user(roles.VIEWER, username="viewer"))
    assert (
        'data-action="schedule"'
        not in client.get(reverse("changes:detail", args=[approved.pk])).content.decode()
    )
    assert _post(client, approved, _form(approved, at(2), at(2, 12))).status_code == 403
    client.force_login(make_user(roles.CAB_TECH_LEAD, username="lead"))
    assert _post(client, approved, _form(approved, at(2), at(2, 12))).status_code == 403


def test_the_detail_query_count_does_not_grow_with_conflicts(
    agent_client, requester, critical_ci, django_assert_num_queries, django_assert_max_num_queries
):
    change = make_change(requester=requester, cis=[critical_ci], start=at(5))
    url = reverse("changes:detail", args=[change.pk])
    make_change(requester=requester, cis=[critical_ci], start=at(5, 11), title="One")
    with django_assert_max_num_queries(30) as few:
        agent_client.get(url)
    for n in range(4):
        make_change(
            requester=requester, cis=[critical_ci], start=at(5, 9) + timedelta(minutes=n), title=f"More {n}"
        )
    with django_assert_num_queries(len(few.captured_queries)):
        page = agent_client.get(url).content.decode()
    assert page.count("Acknowledge CHG-") == 5
