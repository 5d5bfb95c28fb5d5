"""Every page runs under the Content-Security-Policy without a single violation: no inline script or
handler, no inline style without the nonce, nothing evaluated from a string (htmx's trigger filters).
Real Chromium reports violations to the console and as `securitypolicyviolation` events."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page

from alerts.models import Integration
from catalog.models import Service
from changes.tests.scheduling_helpers import make_change
from core import roles
from incidents.tests.factories import IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _user(name: str, *role_names: str):
    user = get_user_model().objects.create_user(name, password="opsdesk", is_staff=True)
    for role in role_names:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def test_pages_load_without_csp_violations(live_server, page: Page):
    manager = _user("manager", roles.MANAGER, roles.AGENT)
    service = Service.objects.create(name="Payments", slug="payments")
    incident = IncidentFactory(reporter=manager, service=service, title="Checkout returns 502")
    change = make_change(requester=manager, title="Rotate TLS certificates")
    integration = Integration.objects.create(
        name="Prometheus", kind=Integration.Kind.ALERTMANAGER, service=service
    )

    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("opsdesk")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/incidents/")

    pages = {
        "queue": "/incidents/",
        "incident detail": f"/incidents/{incident.pk}/",
        "new incident": "/incidents/new/",
        "SLA dashboard": "/dashboards/sla/",
        "change detail": f"/changes/{change.pk}/",
        "change calendar": "/changes/calendar/",
        "integration": f"/integrations/{integration.pk}/",
        "API docs": "/api/docs/",
    }
    violations = {}
    for name, path in pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (name, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        if name == "API docs":  # Swagger UI rendered the schema: its scripts ran
            page.wait_for_selector(".swagger-ui .info")
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[name] = found
    assert violations == {}
    assert [error for error in console_errors if "Content Security Policy" in error or "CSP" in error] == []
    assert console_errors == []


def test_the_policy_header_is_sent_on_html_pages(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
