"""The admin obeys the lifecycle: status is read-only, edits and actions go through the services."""

import pytest

from core.timeline import timeline_for
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


def test_pages_render_and_status_is_read_only(admin_client, incident):
    assert admin_client.get("/admin/incidents/incident/").status_code == 200
    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="status"' not in html and 'name="title"' in html
    assert admin_client.get("/admin/incidents/incident/add/").status_code == 403


def test_edit_goes_through_the_service(admin_client, incident):
    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data.update({"title": "Checkout returns 503", "impact": 1, "urgency": 1})
    clocks = page.context["inline_admin_formsets"][0].formset.prefix  # the generic SLA clock inline
    data.update({f"{clocks}-TOTAL_FORMS": 2, f"{clocks}-INITIAL_FORMS": 2})
    for index, clock in enumerate(incident.sla_clocks.all()):
        data[f"{clocks}-{index}-id"] = clock.pk
    response = admin_client.post(f"/admin/incidents/incident/{incident.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.title, stored.get_priority_display()) == ("Checkout returns 503", "P1 critical")
    assert {"title", "priority"} <= {e.field for e in timeline_for(stored).filter(kind="field_change")}


def test_acknowledge_action(admin_client, incident, incident_factory, agent):
    other = incident_factory(reporter=agent)
    response = admin_client.post(
        "/admin/incidents/incident/",
        {"action": "acknowledge", "_selected_action": [incident.pk, other.pk]},
        follow=True,
    )
    assert "2 incident(s) updated." in response.content.decode()
    assert set(Incident.objects.values_list("status", flat=True)) == {"acknowledged"}
    response = admin_client.post(
        "/admin/incidents/incident/",
        {"action": "acknowledge", "_selected_action": [incident.pk]},
        follow=True,
    )
    assert "Cannot acknowledge while the status is “Acknowledged”" in response.content.decode()
