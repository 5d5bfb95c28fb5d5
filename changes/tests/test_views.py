"""The change pages: list, new (blank and from a template), detail with risk, tasks and only the allowed
transitions, the transition and task forms, and "my work"."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from changes import services, work_orders
from changes.models import Change, Status, TaskStatus
from changes.tests.factories import PLANS, change_create, change_in_state
from core import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, requester):
    client.force_login(requester)
    return client


def test_file_a_change_in_the_browser(browser, low_service):
    page = browser.get(reverse("changes:new"))
    assert page.status_code == 200 and b"Risk questionnaire" in page.content
    response = browser.post(
        reverse("changes:new"),
        {"title": "Upgrade wiki", "type": "normal", "priority": 3, "services": [low_service.pk],
         "rollback_complexity": "simple", "testing": "partial", **PLANS},
    )  # fmt: skip
    change = Change.objects.get(title="Upgrade wiki")
    assert response.status_code == 302 and response["Location"] == reverse("changes:detail", args=[change.pk])
    assert change.testing == "partial" and list(change.services.all()) == [low_service]


def test_bad_input_stays_on_the_form(browser):
    response = browser.post(
        reverse("changes:new"),
        {"title": "", "type": "normal", "priority": 3, "rollback_complexity": "simple", "testing": "full"},
    )
    assert response.status_code == 400 and b"A title is required." in response.content


def test_new_from_a_template_prefills(browser, template):
    page = browser.get(reverse("changes:new"), {"template": template.pk})
    assert template.rollback_plan.encode() in page.content
    response = browser.post(
        reverse("changes:new"),
        {"template": template.pk, "title": "", "type": "standard", "priority": 3,
         "rollback_complexity": "simple", "testing": "full"},
    )  # fmt: skip
    assert response.status_code == 302
    change = Change.objects.get(template=template)
    assert change.type == "standard" and change.tasks.count() == 2


def test_detail_offers_only_allowed_transitions_and_shows_the_risk(
    browser, requester, critical_ci, make_user
):
    change = change_create(actor=requester, outage_required=True, cis=[critical_ci])
    page = browser.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert (
        'data-action="submit"' in page
        and 'data-action="cancel"' in page
        and 'data-action="start"' not in page
    )
    response = browser.post(reverse("changes:transition", args=[change.pk, "submit"]), {"version": 1})
    assert response.status_code == 302
    page = browser.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert "Requires an outage (+20)" in page and "waits for a change manager" in page
    assert 'data-action="assess"' not in page  # an agent may not assess
    chgmgr = make_user(roles.CHANGE_MANAGER, username="cm")
    browser.force_login(chgmgr)
    page = browser.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert 'data-action="assess"' in page


def test_a_stale_form_gets_a_409_with_the_current_state(browser, requester):
    change = change_create(actor=requester)
    services.change_update(change=change, actor=requester, title="Renamed meanwhile")
    response = browser.post(
        reverse("changes:transition", args=[change.pk, "cancel"]), {"version": 1, "note": "x"}
    )
    assert response.status_code == 409 and b"changed by someone else" in response.content
    assert Change.objects.get(pk=change.pk).status == Status.DRAFT


def test_submit_without_plans_names_them_on_the_page(browser, requester):
    change = change_create(actor=requester, rollback_plan="")
    response = browser.post(reverse("changes:transition", args=[change.pk, "submit"]), {"version": 1})
    assert response.status_code == 400 and b"needs a rollback plan" in response.content


def test_edit_a_draft(browser, requester):
    change = change_create(actor=requester)
    page = browser.get(reverse("changes:edit", args=[change.pk]))
    assert page.status_code == 200
    data = {key: value for key, value in page.context["form"].initial.items() if value is not None}
    data.update(title="Upgrade to 16.5", services=[], cis=[], implementer="", assignment_group="")
    response = browser.post(reverse("changes:edit", args=[change.pk]), data)
    assert response.status_code == 302, response.content
    assert Change.objects.get(pk=change.pk).title == "Upgrade to 16.5"


def test_tasks_are_added_worked_and_a_failure_shows_the_rollback_plan(browser, requester):
    change = change_in_state(Status.SCHEDULED, actor=requester, implementer=requester)
    browser.post(reverse("changes:task_add", args=[change.pk]), {"title": "Drain node 1"})
    task = change.tasks.get()
    services.change_start(change=change, actor=requester)
    browser.post(reverse("changes:task_step", args=[change.pk, task.pk, "start"]))
    refused = browser.post(reverse("changes:task_step", args=[change.pk, task.pk, "fail"]), {"note": ""})
    assert refused.status_code == 400
    browser.post(reverse("changes:task_step", args=[change.pk, task.pk, "fail"]), {"note": "Disk full."})
    assert change.tasks.get().status == TaskStatus.FAILED
    page = browser.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert "A task failed: rollback plan" in page and PLANS["rollback_plan"] in page


def test_list_and_its_query_count(browser, requester, django_assert_num_queries):
    for n in range(3):
        change_create(actor=requester, title=f"Change {n}")
    with django_assert_num_queries(3):  # session, the user with their roles, the page
        page = browser.get(reverse("changes:list"))
    assert page.content.count(b"data-change=") == 3
    for n in range(5):
        change_create(actor=requester, title=f"More {n}")
    with django_assert_num_queries(3):
        page = browser.get(reverse("changes:list"))
    assert page.content.count(b"data-change=") == 8
    assert browser.get(reverse("changes:list"), {"status": "closed"}).content.count(b"data-change=") == 0


def test_my_work_lists_my_tasks_my_groups_tasks_and_my_changes(
    client, requester, make_user, django_assert_num_queries
):
    me = make_user(roles.AGENT, username="me")
    team = Group.objects.create(name="DBA")
    me.groups.add(team)
    mine = change_in_state(Status.SCHEDULED, actor=requester, implementer=me, title="Mine to implement")
    work_orders.task_add(change=mine, actor=requester, title="For me", assignee=me)
    work_orders.task_add(change=mine, actor=requester, title="For my team", assignment_group=team)
    work_orders.task_add(change=mine, actor=requester, title="For someone else", assignee=requester)
    client.force_login(me)
    with django_assert_num_queries(5):  # session, the user with their roles, my groups, tasks, changes
        page = client.get(reverse("changes:my_work")).content.decode()
    assert "For me" in page and "For my team" in page and "For someone else" not in page
    assert "Mine to implement" in page
    other = change_in_state(Status.SCHEDULED, actor=requester, implementer=me, title="Second")
    for n in range(3):
        work_orders.task_add(change=other, actor=requester, title=f"Also mine {n}", assignee=me)
    with django_assert_num_queries(5):
        page = client.get(reverse("changes:my_work")).content.decode()
    assert page.count("data-task=") == 5 and page.count("data-change=") == 2


def test_viewer_sees_no_actions(client, viewer, requester):
    change = change_create(actor=requester)
    client.force_login(viewer)
    page = client.get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert "data-action=" not in page
    assert (
        client.post(
            reverse("changes:transition", args=[change.pk, "cancel"]), {"version": 1, "note": "x"}
        ).status_code
        == 403
    )
    assert client.get(reverse("changes:new")).status_code == 403


@pytest.mark.parametrize("tasks", [1, 5])
def test_detail_query_count_does_not_grow_with_tasks(browser, requester, tasks, django_assert_num_queries):
    team = Group.objects.create(name="DBA")
    requester.groups.add(team)
    change = change_in_state(Status.IMPLEMENTING, actor=requester)
    for n in range(tasks):
        change.tasks.create(position=n + 1, title=f"Step {n}", assignment_group=team)
    # session, the user with their roles, change, services, CIs, tasks, my groups, timeline; the panels:
    # impact (CMDB walk), conflicts (the change's CIs, overlapping changes), approvals (votes), suspected
    # incidents
    with django_assert_num_queries(12):
        page = browser.get(reverse("changes:detail", args=[change.pk]))
    assert page.content.count(b'data-step="start"') == tasks
