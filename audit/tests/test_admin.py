"""The admin saves configuration through the services and shows the audit log read-only."""

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group

from audit.selectors import audit_record_list
from catalog.models import ConfigurationItem, Service
from core import roles
from core.models import Team

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """The change form's current values, as a browser would post them back."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value, widget = form[name].value(), form.fields[name].widget
        if hasattr(widget, "widgets"):  # split date and time
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def test_service_and_inline_ci_go_through_the_services(admin_client, admin_user, service):
    data = form_data(admin_client.get(f"/admin/catalog/service/{service.pk}/change/"))
    data.update(
        {
            "description": "Card payments",
            "cis-TOTAL_FORMS": 1,
            "cis-0-name": "pay-api",
            "cis-0-kind": "application",
        }
    )
    response = admin_client.post(f"/admin/catalog/service/{service.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    ci = ConfigurationItem.objects.get(name="pay-api")
    assert ci.service == service and Service.objects.get(pk=service.pk).description == "Card payments"
    records = {(r.pgh_obj_model, r.pgh_label, r.actor) for r in audit_record_list(actor_id=admin_user.pk)}
    assert {
        ("catalog.Service", "update", admin_user),
        ("catalog.ConfigurationItem", "create", admin_user),
    } <= records


def test_delete_in_the_admin_is_audited(admin_client, admin_user):
    doomed = Service.objects.create(name="Fax", slug="fax")
    response = admin_client.post(f"/admin/catalog/service/{doomed.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Service.objects.filter(pk=doomed.pk).exists()
    record = audit_record_list(model="catalog.service", object_id=doomed.pk).first()
    assert (record.pgh_label, record.actor) == ("delete", admin_user)


def test_team_admin_creates_through_the_service(admin_client, admin_user, agent):
    group = Group.objects.create(name="Network")
    response = admin_client.post(
        "/admin/core/team/add/", {"group": group.pk, "lead": agent.pk, "escalation_group": ""}
    )
    assert response.status_code == 302
    team = Team.objects.get(group=group)
    assert audit_record_list(model="core.team", object_id=team.pk).get().actor == admin_user


def test_user_admin_changes_roles_through_user_set_roles(admin_client, admin_user, make_user):
    someone = make_user(roles.VIEWER, username="someone")
    data = form_data(admin_client.get(f"/admin/auth/user/{someone.pk}/change/"))
    data.update(
        {"groups": [str(Group.objects.get(name=roles.AGENT).pk)], "is_staff": "on", "first_name": "Sam"}
    )
    response = admin_client.post(f"/admin/auth/user/{someone.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    someone.refresh_from_db()
    assert (someone.first_name, someone.is_staff) == ("Sam", True)
    assert list(someone.groups.values_list("name", flat=True)) == [roles.AGENT]
    changes = {(r.pgh_obj_model, r.pgh_label) for r in audit_record_list(actor_id=admin_user.pk)}
    assert {
        ("auth.User", "update"),
        ("auth.User_groups", "create"),
        ("auth.User_groups", "delete"),
    } <= changes


@pytest.mark.parametrize(("role", "status"), [(roles.MANAGER, 200), (roles.VIEWER, 403)])
def test_audit_log_admin_is_for_managers_and_read_only(client, make_user, role, status):
    user = make_user(role, is_staff=True)
    client.force_login(user)
    Service.objects.create(name="Legacy", slug="legacy")
    listing = client.get("/admin/audit/auditrecord/")
    assert listing.status_code == status
    if status == 200:
        assert "Legacy" in listing.content.decode()
        record = audit_record_list(model="catalog.service").first()
        detail = client.get(f"/admin/audit/auditrecord/{quote(record.pk)}/change/")
        assert detail.status_code == 200 and 'name="pgh_label"' not in detail.content.decode()
        assert client.get("/admin/audit/auditrecord/add/").status_code == 403


def test_calendar_admin_is_for_managers(client, make_user):
    client.force_login(make_user(roles.MANAGER, is_staff=True))
    assert client.get("/admin/sla/calendar/").status_code == 200
    client.force_login(make_user(roles.AGENT, is_staff=True))
    assert client.get("/admin/sla/calendar/").status_code == 403
