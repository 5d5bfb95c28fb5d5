"""What schemathesis found (`make reliability`): the change API must answer what its schema says.
A change not yet assessed or implemented reads risk_level and outcome "", so the schema must allow "";
a malformed id in /changes/{id}/conflicts/ is a 404 in the error shape, never a 500."""

import pytest

from .scheduling_helpers import make_change

pytestmark = pytest.mark.django_db


def _allowed_values(schema: dict, prop: dict) -> set:
    """Every enum value a property accepts, through its oneOf/$ref components."""
    values = set(prop.get("enum", []))
    for option in prop.get("oneOf", []) + prop.get("allOf", []):
        component = schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
        values |= set(component.get("enum", []))
    return values


def test_unset_risk_level_and_outcome_are_null_as_the_schema_allows(client_for, agent):
    change = make_change(requester=agent, approved=False)
    client = client_for(agent)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    body = client.get(f"/api/v1/changes/{change.pk}/").json()
    properties = schema["components"]["schemas"]["Change"]["properties"]
    for name in ("risk_level", "outcome"):
        assert body[name] is None
        assert properties[name].get("nullable") is True, name
    assert {"low", "very_high"} <= _allowed_values(schema, properties["risk_level"])


@pytest.mark.parametrize("bad_id", ["abc", "null,null"])
def test_a_malformed_id_in_conflicts_is_a_json_404(client_for, viewer, bad_id):
    response = client_for(viewer).get(f"/api/v1/changes/{bad_id}/conflicts/", {"start": "", "end": ""})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
