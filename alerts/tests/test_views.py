"""The integrations page and the incident's alerts partial."""

import pytest

from alerts.models import Alert
from alerts.tests.conftest import fixture_body
from alerts.tests.test_processing import deliver
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_integrations_page_lists_them_and_managers_get_the_url_and_config(
    client, manager, alertmanager, events_v2
):
    client.force_login(manager)
    page = client.get("/integrations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-current="page">Integrations' in html  # the nav link
    assert "Prometheus" in html and "Uptime checks" in html
    detail = client.get(f"/integrations/{alertmanager.pk}/").content.decode()
    assert f"http://testserver/api/v1/integrations/{alertmanager.key}/alertmanager/" in detail
    assert "webhook_configs:" in detail and "send_resolved: true" in detail and "Copy example" in detail
    v2 = client.get(f"/integrations/{events_v2.pk}/").content.decode()
    assert 'value="http://testserver/events"' in v2 and events_v2.key in v2 and "EventsApiV2Client" in v2


def test_others_see_the_list_without_keys(client, agent, alertmanager):
    client.force_login(agent)
    html = client.get("/integrations/").content.decode()
    assert "Prometheus" in html and alertmanager.key not in html
    assert client.get(f"/integrations/{alertmanager.pk}/").status_code == 403


def test_signed_out_goes_to_login(client, alertmanager):
    assert client.get("/integrations/")["Location"].startswith("/login/")


def test_incident_alerts_partial_shows_status_and_labels(client, viewer, alertmanager):
    deliver(alertmanager, fixture_body("01"))
    deliver(alertmanager, fixture_body("02"))
    incident = Incident.objects.get()
    client.force_login(viewer)
    html = client.get(
        f"/integrations/incidents/{incident.pk}/alerts/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert html.count('data-alert-status="resolved"') == 1 and html.count('data-alert-status="firing"') == 1
    assert "instance=web-3" in html and "severity=warning" in html and "http://127.0.0.1:19093" in html
    empty = client.get("/integrations/incidents/999999/alerts/").content.decode()
    assert "No alerts" in empty
    # The incident page fetches this partial after itself (htmx `load`) for an incident from alerts.
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'hx-get="/integrations/incidents/{incident.pk}/alerts/"' in page


def test_partial_and_list_queries_do_not_grow(
    client, manager, alertmanager, make_integration, django_assert_num_queries
):
    deliver(alertmanager, fixture_body("01"))
    incident = Incident.objects.get()
    client.force_login(manager)
    url = f"/integrations/incidents/{incident.pk}/alerts/"
    client.get(url), client.get("/integrations/")  # warm up
    with django_assert_num_queries(3) as few:  # session, the user with their roles, the alerts
        client.get(url)
    with django_assert_num_queries(3) as few_list:
        client.get("/integrations/")
    body = fixture_body("01")
    for n in range(20):
        extra = dict(
            body["alerts"][0],
            fingerprint=f"extra-{n}",
            labels={**body["alerts"][0]["labels"], "instance": f"web-{n + 10}"},
        )
        body["alerts"].append(extra)
        make_integration(name=f"Other {n}")
    deliver(alertmanager, body)
    assert Alert.objects.filter(incident=incident).count() == 22
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)
    with django_assert_num_queries(len(few_list.captured_queries)):
        client.get("/integrations/")
