"""Catalog writes: managers only, validated with field messages, in-use records kept (409)."""

import pytest

from catalog import services
from catalog.models import Service
from core.errors import Conflict, InvalidInput, NotPermitted

pytestmark = pytest.mark.django_db


def test_manager_creates_updates_and_deletes_a_service_and_its_cis(manager):
    mail = services.service_create(actor=manager, name="Mail", slug="mail", criticality=2)
    relay = services.ci_create(actor=manager, name="relay-1", kind="server", service=mail)
    store = services.ci_create(
        actor=manager, name="store-1", kind="storage", service=mail, depends_on=[relay]
    )
    assert list(store.depends_on.all()) == [relay]
    services.ci_update(ci=store, actor=manager, depends_on=[])
    assert not store.depends_on.exists()
    assert services.service_update(service=mail, actor=manager, description="SMTP").description == "SMTP"
    services.ci_delete(ci=store, actor=manager)
    services.ci_delete(ci=relay, actor=manager)
    services.service_delete(service=mail, actor=manager)
    assert not Service.objects.filter(slug="mail").exists()


@pytest.mark.parametrize("role_fixture", ["agent", "viewer"])
def test_only_managers_configure_and_a_refusal_changes_nothing(request, role_fixture, service):
    actor = request.getfixturevalue(role_fixture)
    with pytest.raises(NotPermitted):
        services.service_create(actor=actor, name="Mail", slug="mail")
    with pytest.raises(NotPermitted):
        services.service_update(service=service, actor=actor, name="Renamed")
    with pytest.raises(NotPermitted):
        services.service_delete(service=service, actor=actor)
    assert list(Service.objects.values_list("name", flat=True)) == ["Payments"]


def test_bad_input_is_refused_field_by_field(manager, service):
    with pytest.raises(InvalidInput) as refused:
        services.service_create(actor=manager, name="Payments", slug="not a slug", criticality=9)
    assert set(refused.value.fields) == {"name", "slug", "criticality"}


def test_a_service_with_cis_cannot_be_deleted(manager, ci):
    with pytest.raises(Conflict, match="still in use"):
        services.service_delete(service=ci.service, actor=manager)
    assert Service.objects.filter(pk=ci.service_id).exists()
