"""Every configuration write leaves an immutable record: who, when, what, before → after — whether it
comes from the admin, the API (session or token), a service or a raw ORM write."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction

from audit.models import AuditRecord, ServiceEvent
from audit.selectors import audit_record_list
from catalog import services as catalog_services
from catalog.models import Service
from catalog.tests.factories import ConfigurationItemFactory
from core import roles
from core import services as core_services
from sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


def latest(model: str, **filters) -> AuditRecord:
    return audit_record_list(model=model).filter(**filters).first()


def test_admin_write_names_the_admin_and_the_page(admin_client, admin_user):
    response = admin_client.post(
        "/admin/catalog/service/add/",
        {"name": "Payroll", "slug": "payroll", "description": "", "criticality": 2,
         "cis-TOTAL_FORMS": 0, "cis-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = latest("catalog.service")
    assert (record.pgh_label, record.actor, record.url) == (
        "create",
        admin_user,
        "/admin/catalog/service/add/",
    )
    assert record_after(record)["name"] == "Payroll"


def record_after(record):
    return record.pgh_data


@pytest.mark.parametrize("auth", ["session", "token"])
def test_api_write_names_the_user_with_session_or_token(auth, manager, client_for, api_client):
    """DRF authenticates inside the view; the actor must still reach the trigger."""
    if auth == "token":
        api = client_for(manager)
    else:
        api_client.force_login(manager)
        api = api_client
    response = api.patch(f"/api/v1/sla-policies/{default_p1().pk}/", {"response_target": "00:10:00"})
    assert response.status_code == 200, response.json()
    target = default_p1().targets.get(name="response")
    record = latest("sla.slatarget", pgh_obj_id=str(target.pk))
    assert (record.pgh_label, record.actor, record.url) == (
        "update",
        manager,
        f"/api/v1/sla-policies/{default_p1().pk}/",
    )
    assert record.pgh_diff == {"duration": ["00:15:00", "00:10:00"]}


def default_p1() -> SlaPolicy:
    return SlaPolicy.objects.get(process="incident", priority=1, service=None)


def test_service_write_outside_a_request_names_its_actor(manager):
    service = catalog_services.service_create(actor=manager, name="Mail", slug="mail")
    catalog_services.service_update(service=service, actor=manager, criticality=1)
    catalog_services.service_delete(service=service, actor=manager)
    records = list(audit_record_list(model="catalog.service", object_id=service.pk))
    assert [(r.pgh_label, r.actor) for r in records] == [
        ("delete", manager),
        ("update", manager),
        ("create", manager),
    ]
    deleted, updated, created = records
    assert deleted.pgh_data["slug"] == "mail"  # the row as it was
    assert updated.pgh_diff == {"criticality": [3, 1]}
    assert created.pgh_data["name"] == "Mail"


def test_raw_orm_writes_are_caught_too_with_no_actor():
    Service.objects.create(name="Legacy", slug="legacy")
    Service.objects.filter(slug="legacy").update(description="set by a script")
    record = latest("catalog.service")
    assert (record.pgh_label, record.actor, record.pgh_diff) == (
        "update",
        None,
        {"description": ["", "set by a script"]},
    )


def test_first_update_of_a_row_from_before_auditing_still_has_before(manager):
    """The default policies come from a data migration, before the triggers exist: a baseline
    snapshot taken after migrate gives their first audited update its 'before'."""
    policy = default_p1()
    SlaPolicy.objects.filter(pk=policy.pk).update(name="P1 renamed")
    record = latest("sla.slapolicy", pgh_obj_id=str(policy.pk))
    assert record.pgh_diff == {"name": ["P1 critical (24×7)", "P1 renamed"]}
    assert not audit_record_list().filter(pgh_label="baseline").exists()  # baselines are not changes


def test_roles_and_access_flags(manager, make_user, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    someone = make_user(roles.VIEWER)
    core_services.user_set_roles(
        actor=boss, user=someone, groups=[Group.objects.get(name=roles.AGENT)], is_staff=True
    )
    memberships = audit_record_list(model="auth.user_groups").filter(actor_id=boss.pk)
    assert sorted((r.pgh_label, r.pgh_data["group_id"]) for r in memberships) == sorted(
        [
            ("delete", Group.objects.get(name=roles.VIEWER).pk),
            ("create", Group.objects.get(name=roles.AGENT).pk),
        ]
    )
    flags = latest("auth.user", pgh_obj_id=str(someone.pk))
    assert (flags.actor, flags.pgh_diff) == (boss, {"is_staff": [False, True]})
    assert "password" not in flags.pgh_data


def test_a_login_is_not_a_change_of_configuration(client, manager):
    before = audit_record_list(model="auth.user").count()
    client.post("/login/", {"username": "manager", "password": "opsdesk"})
    assert audit_record_list(model="auth.user").count() == before


def test_ci_dependencies_and_teams(manager):
    db, api = ConfigurationItemFactory(name="db-1"), ConfigurationItemFactory(name="api-1")
    catalog_services.ci_update(ci=api, actor=manager, depends_on=[db])
    edge = latest("catalog.configurationitem_depends_on")
    assert (edge.pgh_label, edge.actor, edge.pgh_data["to_configurationitem_id"]) == (
        "create",
        manager,
        db.pk,
    )
    team = core_services.team_create(actor=manager, group=Group.objects.create(name="Ops"))
    assert latest("core.team", pgh_obj_id=str(team.pk)).actor == manager


def test_records_cannot_be_changed_or_deleted():
    Service.objects.create(name="Legacy", slug="legacy")
    event = ServiceEvent.objects.latest("pgh_id")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        ServiceEvent.objects.filter(pk=event.pk).update(name="forged")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        ServiceEvent.objects.filter(pk=event.pk).delete()
    assert ServiceEvent.objects.get(pk=event.pk).name == "Legacy"


def test_period_filter(manager):
    service = catalog_services.service_create(actor=manager, name="Mail", slug="mail")
    created_at = latest("catalog.service").pgh_created_at
    window = audit_record_list(
        model="catalog.service", since=created_at, until=created_at + timedelta(seconds=1)
    )
    assert [r.pgh_obj_id for r in window] == [str(service.pk)]
    assert not audit_record_list(model="catalog.service", since=created_at + timedelta(seconds=1)).exists()


def test_policy_and_webhook_services_outside_a_request_name_their_actor(manager):
    """A Celery task or a management command has no request: the services themselves carry the actor."""
    from notifications import services as notification_services
    from sla import escalation_services
    from sla import services as sla_services

    policy = SlaPolicy.objects.get(process="incident", priority=4, service=None)
    sla_services.sla_policy_update(policy=policy, actor=manager, name="Low, renamed")
    escalation = escalation_services.escalation_policy_create(
        actor=manager, name="Night shift", process="incident", priority=None, service=None, calendar=None
    )
    hook = notification_services.webhook_subscription_create(
        actor=manager, name="Chat", url="https://hooks.example.com/chat", event_types=["*"]
    )
    for model, pk in (("sla.slapolicy", policy.pk), ("sla.escalationpolicy", escalation.pk),
                      ("notifications.webhooksubscription", hook.pk)):  # fmt: skip
        record = latest(model, pgh_obj_id=str(pk))
        assert (record.actor, record.url) == (manager, None), model
