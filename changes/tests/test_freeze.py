"""Freeze windows: services (validation, audit actor), the API (filters, pagination, permissions, query
count) and the admin."""

import pytest

from audit.selectors import audit_record_list
from catalog.tests.factories import ServiceFactory
from changes.freeze import freeze_window_create, freeze_window_delete, freeze_window_update
from changes.models import FreezeWindow
from core import roles
from core.errors import InvalidInput, NotPermitted

from .scheduling_helpers import at

pytestmark = pytest.mark.django_db
URL = "/api/v1/freeze-windows/"


@pytest.fixture
def chgmgr(make_user):
    return make_user(roles.CHANGE_MANAGER, username="chgmgr")


def test_create_update_delete_are_audited_with_the_actor(chgmgr):
    window = freeze_window_create(actor=chgmgr, name="Year end", starts_at=at(1), ends_at=at(3))
    assert window.created_by == chgmgr
    freeze_window_update(window=window, actor=chgmgr, name="Year-end freeze")
    freeze_window_delete(window=window, actor=chgmgr)
    assert not FreezeWindow.objects.exists()
    records = {(r.pgh_label, r.actor) for r in audit_record_list(model="changes.freezewindow")}
    assert {("create", chgmgr), ("update", chgmgr), ("delete", chgmgr)} <= records


def test_end_must_follow_start_as_a_field_error(chgmgr):
    with pytest.raises(InvalidInput) as refused:
        freeze_window_create(actor=chgmgr, name="Backwards", starts_at=at(3), ends_at=at(1))
    assert "ends_at" in refused.value.fields
    window = freeze_window_create(actor=chgmgr, name="Ok", starts_at=at(1), ends_at=at(3))
    with pytest.raises(InvalidInput) as refused:
        freeze_window_update(window=window, actor=chgmgr, starts_at=at(4))
    assert "ends_at" in refused.value.fields


def test_agents_cannot_manage_freeze_windows(agent):
    with pytest.raises(NotPermitted):
        freeze_window_create(actor=agent, name="Mine", starts_at=at(1), ends_at=at(2))


def test_api_create_patch_delete(client_for, chgmgr):
    api = client_for(chgmgr)
    payments = ServiceFactory(name="Payments", slug="payments")
    created = api.post(
        URL,
        {
            "name": "Payments freeze",
            "starts_at": at(1).isoformat(),
            "ends_at": at(2).isoformat(),
            "services": [payments.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["services"] == [payments.pk]
        and body["is_global"] is False
        and body["created_by"]["username"] == "chgmgr"
    )
    patched = api.patch(f"{URL}{body['id']}/", {"services": [], "reason": "Audit"}, format="json")
    assert patched.status_code == 200 and patched.json()["is_global"] is True
    assert api.delete(f"{URL}{body['id']}/").status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "starts_at": at(2).isoformat(), "ends_at": at(1).isoformat()},
        {"name": "x", "starts_at": "never", "ends_at": at(1).isoformat()},
        {"name": "", "starts_at": at(1).isoformat(), "ends_at": at(2).isoformat()},
        {"name": "x", "starts_at": at(1).isoformat(), "ends_at": at(2).isoformat(), "services": [999999]},
    ],
)
def test_api_bad_input_is_400(client_for, chgmgr, body):
    response = client_for(chgmgr).post(URL, body, format="json")
    assert response.status_code == 400 and response.json()["fields"]


def test_api_patch_end_before_current_start_is_400(client_for, chgmgr):
    window = freeze_window_create(actor=chgmgr, name="Ok", starts_at=at(2), ends_at=at(3))
    response = client_for(chgmgr).patch(f"{URL}{window.pk}/", {"ends_at": at(1).isoformat()}, format="json")
    assert response.status_code == 400 and "ends_at" in response.json()["fields"]


def test_agent_reads_but_cannot_write(client_for, agent, chgmgr):
    freeze_window_create(actor=chgmgr, name="Ok", starts_at=at(2), ends_at=at(3))
    api = client_for(agent)
    assert len(api.get(URL).json()["results"]) == 1
    body = {"name": "x", "starts_at": at(1).isoformat(), "ends_at": at(2).isoformat()}
    assert api.post(URL, body, format="json").status_code == 403


def test_api_filters_by_range_and_service(client_for, chgmgr):
    payments, mail = (
        ServiceFactory(name="Payments", slug="payments"),
        ServiceFactory(name="Mail", slug="mail"),
    )
    freeze_window_create(actor=chgmgr, name="Global", starts_at=at(1), ends_at=at(2))
    freeze_window_create(actor=chgmgr, name="Payments", starts_at=at(5), ends_at=at(6), services=[payments])
    freeze_window_create(actor=chgmgr, name="Mail", starts_at=at(5), ends_at=at(6), services=[mail])
    api = client_for(chgmgr)

    def names(**query):
        response = api.get(URL, query)
        assert response.status_code == 200, response.content
        return [w["name"] for w in response.json()["results"]]

    assert names() == ["Global", "Mail", "Payments"] or names() == ["Global", "Payments", "Mail"]
    assert names(**{"from": at(3).isoformat()}) in (["Payments", "Mail"], ["Mail", "Payments"])
    assert names(to=at(3).isoformat()) == ["Global"]
    assert names(service=payments.pk) == ["Global", "Payments"]
    assert api.get(URL, {"from": "yesterday"}).status_code == 400
    assert api.get(URL, {"service": 999999}).status_code == 400


def test_api_list_is_cursor_paginated_with_constant_queries(client_for, chgmgr, django_assert_num_queries):
    api = client_for(chgmgr)
    services = [ServiceFactory() for _ in range(3)]
    for i in range(3):
        freeze_window_create(
            actor=chgmgr, name=f"W{i}", starts_at=at(i + 1), ends_at=at(i + 2), services=services
        )
    api.get(URL)  # warm the role cache of the token's user
    with django_assert_num_queries(3) as few:
        api.get(URL, {"page_size": 2})
    for i in range(10):
        freeze_window_create(
            actor=chgmgr, name=f"X{i}", starts_at=at(i + 1), ends_at=at(i + 2), services=services
        )
    with django_assert_num_queries(len(few.captured_queries)):
        page = api.get(URL, {"page_size": 10}).json()
    assert len(page["results"]) == 10 and page["next"]
    rest = api.get(page["next"]).json()
    assert len(rest["results"]) == 3 and rest["next"] is None


def _admin_form(start, end) -> dict:
    return {
        "name": "Admin freeze",
        "reason": "",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": "00:00:00",
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": "00:00:00",
        "active": "on",
    }


def test_admin_saves_through_the_service(client, chgmgr):
    chgmgr.is_staff = True
    chgmgr.save()
    client.force_login(chgmgr)
    url = "/admin/changes/freezewindow/add/"
    refused = client.post(url, _admin_form(at(1), at(1)))  # ends_at is not after starts_at
    assert refused.status_code == 200 and not FreezeWindow.objects.exists()
    assert "The window must end after it starts." in refused.content.decode()
    response = client.post(url, _admin_form(at(1), at(2)))
    assert response.status_code == 302, response.content
    assert FreezeWindow.objects.get().created_by == chgmgr
    assert client.get("/admin/changes/freezewindow/").status_code == 200
