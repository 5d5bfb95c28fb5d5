"""What schemathesis found (`make reliability`): the default SLA and escalation policies (no service, no
calendar) and levels without a group read null there, so the schema must declare those fields nullable."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client_for, viewer):
    return client_for(viewer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _nulls(record: dict) -> set[str]:
    return {name for name, value in record.items() if value is None}


def _nullable(schema: dict, component: str) -> set[str]:
    properties = schema["components"]["schemas"][component]["properties"]
    return {name for name, prop in properties.items() if prop.get("nullable")}


def test_sla_policy_nulls_are_declared_nullable(client_for, viewer, schema):
    # The incident defaults: 24x7 (no calendar) for any service (the change approval clock has office hours).
    policy = client_for(viewer).get("/api/v1/sla-policies/", {"process": "incident"}).json()["results"][0]
    assert {"service", "calendar"} <= _nulls(policy)
    assert _nulls(policy) <= _nullable(schema, "SlaPolicy")


def test_escalation_policy_and_level_nulls_are_declared_nullable(client_for, viewer, schema):
    policy = client_for(viewer).get("/api/v1/escalation-policies/").json()["results"][0]
    assert {"service", "calendar"} <= _nulls(policy)
    assert _nulls(policy) <= _nullable(schema, "EscalationPolicy")
    levels = policy["levels"]
    assert any(level["notify_group"] is None for level in levels)
    for level in levels:
        assert _nulls(level) <= _nullable(schema, "EscalationLevel")
