"""The SLA policy API and admin with targets as data; both write through sla.services."""

from datetime import timedelta

import pytest

from catalog.tests.factories import ServiceFactory
from core import roles
from sla.models import SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db

URL = "/api/v1/sla-policies/"
MIN = timedelta(minutes=1)


def test_policies_list_their_process_and_targets(client_for, viewer):
    [p1] = [
        p
        for p in client_for(viewer).get(URL, {"process": "incident"}).json()["results"]
        if p["priority"] == 1
    ]
    assert (p1["process"], p1["response_target"]) == ("incident", "PT15M")
    assert p1["targets"][0] == {
        "name": "response", "duration": "PT15M", "start_on": ["create"], "pause_on": [], "resume_on": [],
        "stop_on": ["acknowledge", "resolve", "cancel"],
    }  # fmt: skip
    changes = client_for(viewer).get(URL, {"process": "change"}).json()["results"]
    assert [p["targets"][0]["name"] for p in changes] == ["approval"] * 4  # the change approval clock


def test_manager_creates_a_policy_with_custom_targets(client_for, manager, service):
    body = {
        "name": "Payments P2", "priority": 2, "service": "payments",
        "targets": [
            {"name": "triage", "duration": "00:10:00", "stop_on": ["start"]},
            {"name": "resolution", "duration": "03:00:00"},
        ],
    }  # fmt: skip
    response = client_for(manager).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["process"], created["response_target"], created["resolution_target"]) == (
        "incident", None, "PT3H"
    )  # fmt: skip
    triage, resolution = created["targets"]
    assert (triage["start_on"], triage["stop_on"]) == (["create"], ["start"])
    assert resolution["pause_on"] == ["hold"]  # left out: the incident process's resolution target


def test_patching_a_shorthand_changes_only_that_target(client_for, manager):
    policy = SlaPolicy.objects.get(process="incident", priority=3, service=None)
    response = client_for(manager).patch(f"{URL}{policy.pk}/", {"response_target": "01:00:00"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["response_target"], response.json()["resolution_target"]) == ("PT1H", "PT8H")
    assert SlaTarget.objects.get(policy=policy, name="response").stop_on == [
        "acknowledge",
        "resolve",
        "cancel",
    ]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"process": "release"}, "process", "Known processes: change, incident"),
        ({"targets": [{"name": "x", "duration": "00:10:00", "stop_on": ["explode"]}]}, "targets", "explode"),
        ({"targets": [{"name": "x", "duration": "00:10:00", "pause_on": ["create"]}]}, "targets", "create"),
        (
            {"targets": [{"name": "x", "duration": "1:00", "stop_on": ["hold"], "pause_on": ["hold"]}]},
            "targets",
            "both",
        ),
        ({"targets": [{"name": "x", "duration": "00:00:00"}]}, "targets", "longer than zero"),
        ({"targets": []}, "targets", "at least one target"),
        ({"response_target": "00:10:00", "targets": [{"name": "response", "duration": "1:00"}]}, None, None),
    ],
)
def test_bad_targets_are_400_naming_the_field(client_for, make_user, body, field, words):
    body = {"name": "x", "priority": 1, "service": None, **body}
    before = SlaPolicy.objects.count()
    response = client_for(make_user(roles.MANAGER)).post(URL, body, format="json")
    if field is None:  # a shorthand overrides the same-named target: fine, but the default P1 exists
        assert response.status_code == 400 and "priority" in response.json()["fields"]
    else:
        assert response.status_code == 400, response.json()
        assert words in str({k: v for k, v in response.json()["fields"].items() if k.split(".")[0] == field})
    assert SlaPolicy.objects.count() == before


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw", is_staff=True)
    client.force_login(admin)
    return client


def _admin_form(targets: list[dict], **fields) -> dict:
    data = {
        "name": "Payments P4",
        "process": "incident",
        "priority": 4,
        "service": "",
        "calendar": "",
        **fields,
    }
    data.update({"targets-TOTAL_FORMS": len(targets), "targets-INITIAL_FORMS": 0})
    for index, target in enumerate(targets):
        data.update({f"targets-{index}-{key}": value for key, value in target.items()})
    return data


def test_admin_adds_a_policy_with_its_targets_through_the_service(admin_client, service):
    target = {
        "name": "response",
        "duration": "00:20:00",
        "start_on": "create",
        "stop_on": "acknowledge,cancel",
    }
    response = admin_client.post("/admin/sla/slapolicy/add/", _admin_form([target], service=service.pk))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    policy = SlaPolicy.objects.get(service=service)
    [stored] = policy.targets.all()
    assert (stored.name, stored.stop_on, stored.pause_on) == ("response", ["acknowledge", "cancel"], [])


def test_admin_refuses_unknown_transitions_with_a_message(admin_client, service):
    target = {"name": "response", "duration": "00:20:00", "start_on": "create", "stop_on": "explode"}
    response = admin_client.post("/admin/sla/slapolicy/add/", _admin_form([target], service=service.pk))
    assert response.status_code == 200
    assert "&#x27;explode&#x27; in stop_on is not one of" in response.content.decode()
    assert not SlaPolicy.objects.filter(service=service).exists()


def test_admin_deletes_through_the_service(admin_client):
    policy = SlaPolicy.objects.get(process="incident", priority=4)
    response = admin_client.post(f"/admin/sla/slapolicy/{policy.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SlaPolicy.objects.filter(pk=policy.pk).exists()


@pytest.mark.parametrize("extra", [0, 6])
def test_list_query_count_does_not_grow_with_policies(client_for, viewer, extra, django_assert_num_queries):
    from sla.tests.factories import make_sla_policy

    for number in range(extra):
        service = ServiceFactory()
        make_sla_policy(
            priority=1 + number % 4, service=service, targets={"response": MIN, "resolution": MIN}
        )
    client = client_for(viewer)
    with django_assert_num_queries(
        3
    ):  # token with user and roles, policies with service and calendar, targets
        assert len(client.get(URL).json()["results"]) == 4 + 4 + extra  # incident and change defaults
