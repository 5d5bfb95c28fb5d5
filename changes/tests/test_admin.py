"""The admin goes through the services: a draft's edit is recorded on the timeline; templates are
configured by change managers (and audited)."""

import pytest

from changes.models import Change, ChangeTemplate
from changes.tests.factories import change_create
from core import roles
from core.timeline import timeline_for

pytestmark = pytest.mark.django_db


def _form(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    form = response.context["adminform"].form
    forms = [form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for each in forms:
        for name in each.fields:
            value = each[name].value()
            if value is None:
                continue
            data[each.add_prefix(name)] = value
    return data


def test_editing_a_draft_in_admin_goes_through_the_service(client, make_user, requester):
    change = change_create(actor=requester)
    staff = make_user(roles.AGENT, username="staff-agent", is_staff=True)
    client.force_login(staff)
    url = f"/admin/changes/change/{change.pk}/change/"
    data = {**_form(client, url), "title": "Renamed in admin"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    change = Change.objects.get(pk=change.pk)
    assert change.title == "Renamed in admin" and change.version == 2
    assert timeline_for(change).filter(field="title").exists()


def test_change_managers_configure_templates_in_admin(client, make_user, template):
    url = f"/admin/changes/changetemplate/{template.pk}/change/"
    agent = make_user(roles.AGENT, username="staff-agent", is_staff=True)
    client.force_login(agent)
    assert client.get(url).status_code == 403
    chgmgr = make_user(roles.CHANGE_MANAGER, username="staff-cm", is_staff=True)
    client.force_login(chgmgr)
    data = {**_form(client, url), "name": "Renamed template", "tasks-0-title": "Install the new certificate"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    template = ChangeTemplate.objects.get(pk=template.pk)
    assert template.name == "Renamed template"
    assert template.tasks.get(position=1).title == "Install the new certificate"
