"""SLA targets and escalation delays are bounded (OPSDESK_MAX_DURATION_DAYS, 365 days): a clear 400 in
the API, a message in the admin, InvalidInput from the services; never a create that burns CPU."""

from datetime import timedelta

import pytest

from core.errors import InvalidInput
from sla import escalation_services
from sla.models import EscalationPolicy, SlaPolicy
from sla.services import sla_policy_create
from sla.tests.test_escalation_policies import _levels_management

pytestmark = pytest.mark.django_db

URL = "/api/v1/sla-policies/"
DAY = timedelta(days=1)


def _policy(duration: str) -> dict:
    return {
        "name": "Slow",
        "priority": 4,
        "service": "payments",
        "targets": [{"name": "resolution", "duration": duration}],
    }


@pytest.mark.parametrize("duration", ["999999999 00:00:00", "366 00:00:00", "365 00:00:01"])
def test_the_api_refuses_targets_over_a_year(client_for, manager, service, duration):
    before = SlaPolicy.objects.count()
    response = client_for(manager).post(URL, _policy(duration), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {"targets.0.duration": ["At most 365 days."]}
    assert SlaPolicy.objects.count() == before


def test_a_target_of_exactly_a_year_is_accepted(client_for, manager, service):
    response = client_for(manager).post(URL, _policy("365 00:00:00"), format="json")
    assert response.status_code == 201, response.json()


def test_the_service_refuses_a_long_target_whoever_calls_it(manager, service):
    with pytest.raises(InvalidInput) as refused:
        sla_policy_create(
            actor=manager, name="Slow", process="incident", priority=4, service=service,
            targets=[{"name": "resolution", "duration": 400 * DAY}],
        )  # fmt: skip
    assert refused.value.fields == {"targets": ["resolution: the duration is too long. At most 365 days."]}


def test_the_bound_follows_the_setting(manager, service, settings):
    settings.OPSDESK_MAX_DURATION_DAYS = 30
    with pytest.raises(InvalidInput):
        sla_policy_create(
            actor=manager, name="Slow", process="incident", priority=4, service=service,
            targets=[{"name": "resolution", "duration": 31 * DAY}],
        )  # fmt: skip


def test_escalation_delays_over_a_year_are_refused(manager):
    policy = EscalationPolicy.objects.get(name="Default P2")
    with pytest.raises(InvalidInput) as refused:
        escalation_services.escalation_level_create(policy=policy, actor=manager, number=3, after=366 * DAY)
    assert refused.value.fields == {"after": ["At most 365 days."]}
    level = policy.levels.first()
    with pytest.raises(InvalidInput):
        escalation_services.escalation_level_update(level=level, actor=manager, after=999_999_999 * DAY)
    level.refresh_from_db()
    assert level.after < DAY


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_the_admin_shows_the_bound_next_to_an_escalation_level(admin_client):
    data = {
        "name": "P3 nudge",
        "process": "incident",
        "priority": 3,
        "active": "on",
        **_levels_management(1, 0),
    }
    data.update(
        {"levels-0-number": 1, "levels-0-trigger": "not_acknowledged", "levels-0-after": "400 00:00:00"}
    )
    response = admin_client.post("/admin/sla/escalationpolicy/add/", data)
    assert response.status_code == 200
    assert "At most 365 days." in response.content.decode()
    assert not EscalationPolicy.objects.filter(name="P3 nudge").exists()


def test_the_admin_shows_the_bound_next_to_an_sla_target(admin_client, service):
    data = {"name": "Slow", "process": "incident", "priority": 4, "service": service.pk, "calendar": ""}
    data.update({"targets-TOTAL_FORMS": 1, "targets-INITIAL_FORMS": 0})
    data.update(
        {
            "targets-0-name": "resolution",
            "targets-0-duration": "999999999 00:00:00",
            "targets-0-start_on": "create",
        }
    )
    response = admin_client.post("/admin/sla/slapolicy/add/", data)
    assert response.status_code == 200
    assert "the duration is too long. At most 365 days." in response.content.decode()
    assert not SlaPolicy.objects.filter(service=service).exists()
