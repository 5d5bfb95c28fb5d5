"""Who may write what, through every entry point: role × write × expected outcome, through the API
(status code) and the service (NotPermitted), and a refused write changes nothing.

The writes are every service that takes an actor (grep `require(` in */services.py): incidents
(create, update, each transition, comment, escalate), SLA policies, webhook subscriptions and alert
integrations (create, update, delete), the outbox retry; plus marking one's own notifications read, and the
admin's change form for an incident and an SLA policy."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rest_framework.test import APIClient

from alerts import services as alert_services
from alerts.models import Integration
from changes import catalogue as change_catalogue
from changes import freeze as freeze_services
from changes import scheduling as change_scheduling
from changes import services as change_services
from changes import suspects as change_suspects
from changes import work_orders as change_work
from changes.approval_policies import approval_policy_create, approval_policy_delete, approval_policy_update
from changes.approvals import change_vote
from changes.models import (
    ApprovalPolicy,
    Change,
    ChangeApproval,
    ChangeTask,
    ChangeTemplate,
    ChangeType,
    FreezeWindow,
    SuspectedCause,
)
from changes.tests.approval_factories import change_awaiting_approval, ensure_change_reference_data
from changes.tests.factories import change_create as _change_create
from changes.tests.factories import change_in_state, standard_template
from changes.tests.scheduling_helpers import at, make_change
from changes.tests.suspects_setup import suspected_link
from core import roles
from core.errors import NotPermitted
from core.models import TimelineEntry
from incidents import services as incident_services
from incidents.models import Incident, Level
from incidents.tests.factories import incident_in_state
from notifications import services as notification_services
from notifications.models import Notification, OutboxMessage, WebhookSubscription
from notifications.tests.factories import NotificationFactory
from sla import services as sla_services
from sla.api.serializers import SlaPolicyInputSerializer
from sla.models import SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "no_role",
    roles.VIEWER,
    roles.AGENT,
    roles.MANAGER,
    roles.CHANGE_MANAGER,
    roles.CAB_TECH_LEAD,
    roles.CAB_PRODUCT_OWNER,
    roles.CAB_OPS_MANAGER,
    "superuser",
    "inactive",  # holds the agent and manager roles, but the account is deactivated
)
INCIDENT_WORKERS = frozenset({roles.AGENT, roles.MANAGER, "superuser"})
# A vote needs a CAB role the change's policy lists (a superuser holds none).
CAB_VOTERS = frozenset(roles.CAB_ROLES)
POLICY_MANAGERS = frozenset({roles.CHANGE_MANAGER, roles.MANAGER, "superuser"})
CONFIGURERS = frozenset({roles.MANAGER, "superuser"})
CHANGE_WORKERS = frozenset({roles.AGENT, roles.MANAGER, roles.CHANGE_MANAGER, "superuser"})
CHANGE_MANAGERS = frozenset({roles.MANAGER, roles.CHANGE_MANAGER, "superuser"})
NOT_SIGNED_IN = frozenset({"anonymous", "inactive"})  # the API answers 401: no usable credentials


@pytest.fixture
def user_for(make_user, django_user_model):
    def make(role: str, **kwargs):
        if role == "anonymous":
            return AnonymousUser()
        if role == "superuser":
            return django_user_model.objects.create_superuser("root", "root@example.com", "pw", **kwargs)
        if role == "inactive":
            return make_user(roles.AGENT, roles.MANAGER, username="gone", is_active=False, **kwargs)
        if role == "no_role":
            return make_user(username="newcomer", **kwargs)
        return make_user(role, username=role, **kwargs)

    return make


@pytest.fixture
def api_as(client_for):
    def client(user) -> APIClient:
        return APIClient() if isinstance(user, AnonymousUser) else client_for(user)

    return client


def world_state() -> tuple:
    """Everything a write could change: the records, their versions, history and side effects."""
    return (
        tuple(Incident.objects.order_by("pk").values_list("pk", "status", "version", "title", "assignee")),
        TimelineEntry.objects.count(),
        tuple(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        tuple(OutboxMessage.objects.order_by("pk").values_list("pk", "status", "attempts")),
        tuple(SlaPolicy.objects.order_by("pk").values_list("pk", "name", "priority")),
        tuple(SlaTarget.objects.order_by("pk").values_list("pk", "name", "duration")),
        tuple(WebhookSubscription.objects.order_by("pk").values_list("pk", "name", "url", "active")),
        tuple(SuspectedCause.objects.order_by("pk").values_list("pk", "status", "note")),
        tuple(Integration.objects.order_by("pk").values_list("pk", "name", "active")),
        tuple(Change.objects.order_by("pk").values_list("pk", "status", "version", "title", "planned_start")),
        tuple(
            FreezeWindow.objects.order_by("pk").values_list("pk", "name", "starts_at", "ends_at", "active")
        ),
        tuple(ChangeTask.objects.order_by("pk").values_list("pk", "status", "position")),
        tuple(ChangeTemplate.objects.order_by("pk").values_list("pk", "name")),
        tuple(Change.objects.order_by("pk").values_list("pk", "status", "version")),
        tuple(ChangeApproval.objects.order_by("pk").values_list("pk", "role", "decision")),
        tuple(ApprovalPolicy.objects.order_by("pk").values_list("pk", "name", "mode", "active")),
    )


# --- the writes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    name: str
    allowed: frozenset[str]
    setup: Callable[[Any], Any]  # (world) -> the record written to
    api: Callable[[APIClient, Any, Any], Any]  # (client, target, world) -> response
    service: Callable[[Any, Any, Any], Any]  # (actor, target, world) -> result
    ok: int = 200


INCIDENTS = "/api/v1/incidents/"
SLA_POLICIES = "/api/v1/sla-policies/"
HOOKS = "/api/v1/webhook-subscriptions/"
INTEGRATIONS = "/api/v1/integrations/"
NEW_HOOK = {"name": "Ops bridge", "url": "https://hooks.example.com/opsdesk", "event_types": ["*"]}
# Each transition, from the state where it is legal, with the input it needs.
TRANSITIONS = {
    "acknowledge": ("new", {}),
    "start": ("acknowledged", {}),
    "hold": ("in_progress", {"hold_reason": "awaiting_vendor"}),
    "resume": ("on_hold", {}),
    "resolve": ("acknowledged", {"resolution_code": "fixed", "resolution_notes": "Restarted."}),
    "close": ("resolved", {}),
    "reopen": ("resolved", {"note": "It is back."}),
    "cancel": ("new", {"note": "Filed twice."}),
}


def _incident(state: str = "new", **kwargs):
    return lambda world: incident_in_state(state, reporter=world.reporter, service=world.service, **kwargs)


def _transition(name: str) -> Write:
    state, params = TRANSITIONS[name]
    return Write(
        name=f"incident {name}",
        allowed=INCIDENT_WORKERS,
        setup=_incident(state),
        api=lambda api, incident, world: api.post(f"{INCIDENTS}{incident.pk}/{name}/", params, format="json"),
        service=lambda actor, incident, world: incident_services.incident_transition(
            incident=incident, actor=actor, action=name, **params
        ),
    )


def _sla_policy_input(world) -> dict:
    """The API body, and the same policy as the service's keywords."""
    targets = [{"name": "response", "duration": "00:05:00"}, {"name": "resolution", "duration": "01:00:00"}]
    body = {"name": "Payments P1", "priority": 1, "service": world.service.slug, "targets": targets,
            "calendar": "Office hours"}  # fmt: skip
    serializer = SlaPolicyInputSerializer(data=body)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    data["targets"] = [dict(target) for target in data["targets"]]
    return body, data


def _default_policy(world):
    return SlaPolicy.objects.filter(process="incident", service=None).order_by("priority").first()


CHANGES = "/api/v1/changes/"
APPROVAL_POLICIES = "/api/v1/approval-policies/"
NEW_APPROVAL_POLICY = {"name": "Emergency: lead or ops", "change_type": "emergency", "mode": "any",
                       "roles": [roles.CAB_TECH_LEAD, roles.CAB_OPS_MANAGER], "active": False}  # fmt: skip


def _awaiting_approval(world):
    return change_awaiting_approval(requester=world.reporter)


def _normal_approval_policy(world):
    ensure_change_reference_data()
    return ApprovalPolicy.objects.get(change_type=ChangeType.NORMAL, active=True)


def _spare_approval_policy(world):
    return ApprovalPolicy.objects.create(**NEW_APPROVAL_POLICY)


def _vote(decision: str, comment: str) -> Write:
    return Write(
        name=f"change {decision}",
        allowed=CAB_VOTERS,
        setup=_awaiting_approval,
        api=lambda api, change, world: api.post(
            f"{CHANGES}{change.pk}/{decision}/", {"comment": comment}, format="json"
        ),
        service=lambda actor, change, world: change_vote(
            change=change, actor=actor, decision=decision, comment=comment
        ),
    )


FREEZE_WINDOWS = "/api/v1/freeze-windows/"
NEW_FREEZE = {
    "name": "Year-end freeze",
    "starts_at": "2030-12-20T00:00:00Z",
    "ends_at": "2031-01-02T00:00:00Z",
}


def _freeze_window(world):
    return FreezeWindow.objects.create(name="Audit", starts_at=at(30), ends_at=at(31))


def _approved_change(world):
    return make_change(requester=world.reporter, start=at(3))


def _subscription(world):
    return WebhookSubscription.objects.create(secret="s" * 32, **NEW_HOOK)


def _integration(world):
    return Integration.objects.create(name="Prometheus", kind="alertmanager", service=world.service)


def _dead_message(world):
    return OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        dedupe_key="email:x:1",
        status=OutboxMessage.Status.DEAD,
        attempts=8,
    )


WRITES = [
    Write(
        name="incident create",
        allowed=INCIDENT_WORKERS,
        setup=lambda world: None,
        api=lambda api, _, world: api.post(
            INCIDENTS, {"title": "Checkout is down", "service": world.service.pk}
        ),
        service=lambda actor, _, world: incident_services.incident_create(
            actor=actor, title="Checkout is down", service=world.service
        ),
        ok=201,
    ),
    Write(
        name="incident update",
        allowed=INCIDENT_WORKERS,
        setup=_incident(),
        api=lambda api, incident, world: api.patch(f"{INCIDENTS}{incident.pk}/", {"title": "Renamed"}),
        service=lambda actor, incident, world: incident_services.incident_update(
            incident=incident, actor=actor, title="Renamed"
        ),
    ),
    *[_transition(name) for name in TRANSITIONS],
    Write(
        name="incident comment",
        allowed=INCIDENT_WORKERS,
        setup=_incident(),
        api=lambda api, incident, world: api.post(
            f"{INCIDENTS}{incident.pk}/comments/", {"body": "Looking."}
        ),
        service=lambda actor, incident, world: incident_services.incident_comment_add(
            incident=incident, actor=actor, body="Looking."
        ),
        ok=201,
    ),
    Write(
        name="incident escalate",
        allowed=INCIDENT_WORKERS,
        setup=_incident(impact=Level.HIGH, urgency=Level.HIGH),  # the default P1 policy has manual levels
        api=lambda api, incident, world: api.post(
            f"{INCIDENTS}{incident.pk}/escalate/", {"note": "Now.", "level": 0}
        ),
        service=lambda actor, incident, world: incident_services.incident_escalate(
            incident=incident, actor=actor, note="Now."
        ),
    ),
    Write(
        name="SLA policy create",
        allowed=CONFIGURERS,
        setup=lambda world: None,
        api=lambda api, _, world: api.post(SLA_POLICIES, _sla_policy_input(world)[0], format="json"),
        service=lambda actor, _, world: sla_services.sla_policy_create(
            actor=actor, **_sla_policy_input(world)[1]
        ),
        ok=201,
    ),
    Write(
        name="SLA policy update",
        allowed=CONFIGURERS,
        setup=_default_policy,
        api=lambda api, policy, world: api.patch(f"{SLA_POLICIES}{policy.pk}/", {"name": "Renamed"}),
        service=lambda actor, policy, world: sla_services.sla_policy_update(
            policy=policy, actor=actor, name="Renamed"
        ),
    ),
    Write(
        name="SLA policy delete",
        allowed=CONFIGURERS,
        setup=_default_policy,
        api=lambda api, policy, world: api.delete(f"{SLA_POLICIES}{policy.pk}/"),
        service=lambda actor, policy, world: sla_services.sla_policy_delete(policy=policy, actor=actor),
        ok=204,
    ),
    _vote("approve", ""),
    _vote("reject", "No rollback test."),
    Write(
        name="approval policy create",
        allowed=POLICY_MANAGERS,
        setup=lambda world: ensure_change_reference_data(),
        api=lambda api, _, world: api.post(APPROVAL_POLICIES, NEW_APPROVAL_POLICY, format="json"),
        service=lambda actor, _, world: approval_policy_create(actor=actor, **NEW_APPROVAL_POLICY),
        ok=201,
    ),
    Write(
        name="approval policy update",
        allowed=POLICY_MANAGERS,
        setup=_normal_approval_policy,
        api=lambda api, policy, world: api.patch(
            f"{APPROVAL_POLICIES}{policy.pk}/", {"mode": "any"}, format="json"
        ),
        service=lambda actor, policy, world: approval_policy_update(policy=policy, actor=actor, mode="any"),
    ),
    Write(
        name="approval policy delete",
        allowed=POLICY_MANAGERS,
        setup=_spare_approval_policy,
        api=lambda api, policy, world: api.delete(f"{APPROVAL_POLICIES}{policy.pk}/"),
        service=lambda actor, policy, world: approval_policy_delete(policy=policy, actor=actor),
        ok=204,
    ),
    Write(
        name="webhook subscription create",
        allowed=CONFIGURERS,
        setup=lambda world: None,
        api=lambda api, _, world: api.post(HOOKS, NEW_HOOK, format="json"),
        service=lambda actor, _, world: notification_services.webhook_subscription_create(
            actor=actor, **NEW_HOOK
        ),
        ok=201,
    ),
    Write(
        name="webhook subscription update",
        allowed=CONFIGURERS,
        setup=_subscription,
        api=lambda api, hook, world: api.patch(f"{HOOKS}{hook.pk}/", {"active": False}, format="json"),
        service=lambda actor, hook, world: notification_services.webhook_subscription_update(
            subscription=hook, actor=actor, active=False
        ),
    ),
    Write(
        name="webhook subscription delete",
        allowed=CONFIGURERS,
        setup=_subscription,
        api=lambda api, hook, world: api.delete(f"{HOOKS}{hook.pk}/"),
        service=lambda actor, hook, world: notification_services.webhook_subscription_delete(
            subscription=hook, actor=actor
        ),
        ok=204,
    ),
    Write(
        name="integration create",
        allowed=CONFIGURERS,
        setup=lambda world: None,
        api=lambda api, _, world: api.post(
            INTEGRATIONS, {"name": "Prometheus", "kind": "alertmanager", "service": world.service.slug}
        ),
        service=lambda actor, _, world: alert_services.integration_create(
            actor=actor, name="Prometheus", kind="alertmanager", service=world.service
        ),
        ok=201,
    ),
    Write(
        name="integration update",
        allowed=CONFIGURERS,
        setup=_integration,
        api=lambda api, integration, world: api.patch(
            f"{INTEGRATIONS}{integration.pk}/", {"active": False}, format="json"
        ),
        service=lambda actor, integration, world: alert_services.integration_update(
            integration=integration, actor=actor, active=False
        ),
    ),
    Write(
        name="integration delete",
        allowed=CONFIGURERS,
        setup=_integration,
        api=lambda api, integration, world: api.delete(f"{INTEGRATIONS}{integration.pk}/"),
        service=lambda actor, integration, world: alert_services.integration_delete(
            integration=integration, actor=actor
        ),
        ok=204,
    ),
]
# Suspected cause (changes/suspects.py): who may confirm or dismiss the link of a change to an incident.
LINK_DECIDERS = frozenset({roles.AGENT, roles.MANAGER, roles.CHANGE_MANAGER, "superuser"})
WRITES += [
    Write(
        name=f"suspected cause {decision}",
        allowed=LINK_DECIDERS,
        setup=lambda world: suspected_link(reporter=world.reporter, service=world.service),
        api=lambda api, link, world, decision=decision: api.post(
            f"/api/v1/suspected-causes/{link.pk}/{decision}/", {"note": "Decided."}, format="json"
        ),
        service=lambda actor, link, world, decision=decision: getattr(change_suspects, f"suspect_{decision}")(
            link=link, actor=actor, note="Decided."
        ),
    )
    for decision in ("confirm", "dismiss")
]
WRITES += [
    Write(
        name="change schedule",
        allowed=CHANGE_WORKERS,
        setup=_approved_change,
        api=lambda api, change, world: api.post(f"/api/v1/changes/{change.pk}/schedule/", {}, format="json"),
        service=lambda actor, change, world: change_scheduling.change_schedule(change=change, actor=actor),
    ),
    Write(
        name="freeze window create",
        allowed=CHANGE_MANAGERS,
        setup=lambda world: None,
        api=lambda api, _, world: api.post(FREEZE_WINDOWS, NEW_FREEZE, format="json"),
        service=lambda actor, _, world: freeze_services.freeze_window_create(
            actor=actor, name="Year-end freeze", starts_at=at(40), ends_at=at(41)
        ),
        ok=201,
    ),
    Write(
        name="freeze window update",
        allowed=CHANGE_MANAGERS,
        setup=_freeze_window,
        api=lambda api, window, world: api.patch(f"{FREEZE_WINDOWS}{window.pk}/", {"name": "Renamed"}),
        service=lambda actor, window, world: freeze_services.freeze_window_update(
            window=window, actor=actor, name="Renamed"
        ),
    ),
    Write(
        name="freeze window delete",
        allowed=CHANGE_MANAGERS,
        setup=_freeze_window,
        api=lambda api, window, world: api.delete(f"{FREEZE_WINDOWS}{window.pk}/"),
        service=lambda actor, window, world: freeze_services.freeze_window_delete(window=window, actor=actor),
        ok=204,
    ),
]
# --- changes ------------------------------------------------------------------------------------

CHANGE_WORKERS = frozenset({roles.AGENT, roles.MANAGER, roles.CHANGE_MANAGER, "superuser"})
CHANGE_MANAGERS = frozenset({roles.MANAGER, roles.CHANGE_MANAGER, "superuser"})
CHANGES = "/api/v1/changes/"
CHANGE_TEMPLATES = "/api/v1/change-templates/"
NEW_TEMPLATE = {"name": "Restart wiki", "title": "Restart the wiki", "tasks": [{"title": "Restart"}]}
# Each change action: the state it is legal from, its input, the service, and who may.
CHANGE_ACTIONS = {
    "submit": ("draft", {}, change_services.change_submit, CHANGE_WORKERS),
    "assess": ("assessment", {"note": "Rehearsed."}, change_services.change_assess, CHANGE_MANAGERS),
    "start": ("scheduled", {}, change_services.change_start, CHANGE_WORKERS),
    "complete": ("implementing", {"outcome": "successful"}, change_services.change_complete, CHANGE_WORKERS),
    "review": ("implemented", {"notes": "No incidents."}, change_services.change_review, CHANGE_WORKERS),
    "close": ("in_review", {}, change_services.change_close, CHANGE_WORKERS),
    "cancel": ("draft", {"note": "Not needed."}, change_services.change_cancel, CHANGE_WORKERS),
    "revise": ("rejected", {}, change_services.change_revise, CHANGE_WORKERS),
}


def _change(state: str = "draft"):
    return lambda world: change_in_state(state, actor=world.reporter)


def _change_action(name: str) -> Write:
    state, params, service, allowed = CHANGE_ACTIONS[name]
    return Write(
        name=f"change {name}",
        allowed=allowed,
        setup=_change(state),
        api=lambda api, change, world: api.post(f"{CHANGES}{change.pk}/{name}/", params, format="json"),
        service=lambda actor, change, world: service(change=change, actor=actor, **params),
    )


def _pending_task(world):
    change = change_in_state("implementing", actor=world.reporter)
    return ChangeTask.objects.create(change=change, position=1, title="Drain node 1", assignee=world.reporter)


CHANGE_WRITES = [
    Write(
        name="change create",
        allowed=CHANGE_WORKERS,
        setup=lambda world: None,
        api=lambda api, _, world: api.post(CHANGES, {"title": "Upgrade"}, format="json"),
        service=lambda actor, _, world: _change_create(actor=actor),
        ok=201,
    ),
    Write(
        name="change update",
        allowed=CHANGE_WORKERS,
        setup=_change(),
        api=lambda api, change, world: api.patch(
            f"{CHANGES}{change.pk}/", {"title": "Renamed"}, format="json"
        ),
        service=lambda actor, change, world: change_services.change_update(
            change=change, actor=actor, title="Renamed"
        ),
    ),
    *[_change_action(name) for name in CHANGE_ACTIONS],
    Write(
        name="change task add",
        allowed=CHANGE_WORKERS,
        setup=_change(),
        api=lambda api, change, world: api.post(
            f"{CHANGES}{change.pk}/tasks/", {"title": "Drain"}, format="json"
        ),
        service=lambda actor, change, world: change_work.task_add(change=change, actor=actor, title="Drain"),
        ok=201,
    ),
    Write(
        # Someone else's task: only change managers (and the assignee, implementer, group) may work it.
        name="change task start",
        allowed=CHANGE_MANAGERS,
        setup=_pending_task,
        api=lambda api, task, world: api.post(
            f"{CHANGES}{task.change_id}/tasks/{task.pk}/start/", {}, format="json"
        ),
        service=lambda actor, task, world: change_work.task_start(task=task, actor=actor),
    ),
    Write(
        name="change template create",
        allowed=CHANGE_MANAGERS,
        setup=lambda world: None,
        api=lambda api, _, world: api.post(CHANGE_TEMPLATES, NEW_TEMPLATE, format="json"),
        service=lambda actor, _, world: change_catalogue.template_create(actor=actor, **NEW_TEMPLATE),
        ok=201,
    ),
    Write(
        name="change template update",
        allowed=CHANGE_MANAGERS,
        setup=lambda world: standard_template(),
        api=lambda api, template, world: api.patch(
            f"{CHANGE_TEMPLATES}{template.pk}/", {"name": "Renamed"}, format="json"
        ),
        service=lambda actor, template, world: change_catalogue.template_update(
            template=template, actor=actor, name="Renamed"
        ),
    ),
    Write(
        name="change template delete",
        allowed=CHANGE_MANAGERS,
        setup=lambda world: standard_template(),
        api=lambda api, template, world: api.delete(f"{CHANGE_TEMPLATES}{template.pk}/"),
        service=lambda actor, template, world: change_catalogue.template_delete(
            template=template, actor=actor
        ),
        ok=204,
    ),
]
WRITES += CHANGE_WRITES

SERVICE_ONLY_WRITES = [
    Write(
        name="outbox message retry",
        allowed=CONFIGURERS,
        setup=_dead_message,
        api=None,
        service=lambda actor, message, world: notification_services.outbox_message_retry(
            actor=actor, message_ids=[message.pk]
        ),
    ),
]


@dataclass
class World:
    reporter: Any
    service: Any


@pytest.fixture
def world(make_user, service):
    return World(reporter=make_user(roles.AGENT, username="reporter"), service=service)


def _expected_refusal(role: str) -> int:
    return 401 if role in NOT_SIGNED_IN else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.name)
def test_api(write, role, world, user_for, api_as):
    target = write.setup(world)
    client = api_as(user_for(role))
    before = world_state()
    response = write.api(client, target, world)
    if role in write.allowed:
        assert response.status_code == write.ok, response.content
        assert world_state() != before
    else:
        assert response.status_code == _expected_refusal(role), response.content
        assert response.json()["code"] in {"not_authenticated", "authentication_failed", "permission_denied"}
        assert world_state() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", WRITES + SERVICE_ONLY_WRITES, ids=lambda write: write.name)
def test_service(write, role, world, user_for):
    target = write.setup(world)
    actor = user_for(role)
    before = world_state()
    if role in write.allowed:
        write.service(actor, target, world)
        assert world_state() != before
    else:
        with pytest.raises(NotPermitted):
            write.service(actor, target, world)
        assert world_state() == before


# --- notifications: everyone marks their own read, nobody anyone else's ----------------------


@pytest.mark.parametrize("role", ROLES)
def test_mark_read_is_own_only(role, user_for, api_as, make_user):
    user = user_for(role)
    theirs = NotificationFactory(recipient=make_user(roles.AGENT, username="someone"))
    mine = None if role == "anonymous" else NotificationFactory(recipient=user)
    ids = [theirs.pk] + ([mine.pk] if mine else [])
    response = api_as(user).post("/api/v1/notifications/mark-read/", {"ids": ids}, format="json")
    if role in NOT_SIGNED_IN | {"no_role"}:
        assert response.status_code == _expected_refusal(role)
    else:
        assert response.status_code == 200 and response.json()["marked"] == 1
    if mine is not None:  # the service: only the caller's own notifications, whoever the caller
        notification_services.notification_mark_read(user=user, ids=ids)
        assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


# --- admin: the same rules decide the change form ---------------------------------------------


def _admin_form_data(response) -> dict:
    """The change form's current values, inlines included, as the browser would post them."""
    data = {}
    form = response.context["adminform"].form
    forms = [(form, form.fields)]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append((formset.management_form, formset.management_form.fields))
        forms += [(sub, sub.fields) for sub in formset.forms]
    for each, fields in forms:
        for name in fields:
            value = each[name].value()
            data[each.add_prefix(name)] = "" if value is None else value
    return data


ADMIN_CHANGES = {
    "incident": (
        INCIDENT_WORKERS,
        lambda world: incident_in_state("new", reporter=world.reporter, service=world.service),
        "/admin/incidents/incident/{pk}/change/",
        {"title": "Renamed in admin"},
    ),
    "SLA policy": (
        CONFIGURERS,
        _default_policy,
        "/admin/sla/slapolicy/{pk}/change/",
        {"name": "Renamed in admin"},
    ),
    "approval policy": (
        POLICY_MANAGERS,
        _normal_approval_policy,
        "/admin/changes/approvalpolicy/{pk}/change/",
        {"name": "Renamed in admin"},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", ADMIN_CHANGES)
def test_admin_change(what, role, world, user_for, client, django_user_model):
    allowed_roles, setup, url, changes = ADMIN_CHANGES[what]
    target = setup(world)
    url = url.format(pk=target.pk)
    root = django_user_model.objects.create_superuser("admin-reader", "a@example.com", "pw")
    client.force_login(root)
    data = {**_admin_form_data(client.get(url)), **changes}
    client.logout()
    user = user_for(role, **({} if role in {"anonymous", "superuser"} else {"is_staff": True}))
    if role != "anonymous":
        client.force_login(user)
    before = world_state()
    response = client.post(url, data)
    if role in allowed_roles:
        assert response.status_code == 302 and "/change/" not in response["Location"], response.content
        assert world_state() != before
    else:
        if role in NOT_SIGNED_IN:
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        else:
            assert response.status_code == 403
        assert world_state() == before


# --- browser: the same permissions decide the pages' writes -------------------------------------


BROWSER_WRITES = {
    "file": ("incidents:new", lambda incident: [], lambda incident, world: {
        "title": "Checkout is down", "service": world.service.pk, "impact": 2, "urgency": 2}),
    "acknowledge": ("incidents:transition", lambda incident: [incident.pk, "acknowledge"],
                    lambda incident, world: {"version": incident.version}),
    "edit": ("incidents:edit", lambda incident: [incident.pk], lambda incident, world: {
        "version": incident.version, "title": "Renamed", "service": world.service.pk, "impact": 2, "urgency": 2}),
    "assign to me": ("incidents:assign_to_me", lambda incident: [incident.pk],
                     lambda incident, world: {"version": incident.version}),
    "comment": ("incidents:comment", lambda incident: [incident.pk],
                lambda incident, world: {"body": "Looking.", "visibility": "public"}),
    "escalate": ("incidents:escalate", lambda incident: [incident.pk],
                 lambda incident, world: {"level": 0, "note": "Now."}),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", BROWSER_WRITES)
def test_browser(write, role, world, user_for, client):
    url_name, args, data = BROWSER_WRITES[write]
    incident = incident_in_state(
        "new", reporter=world.reporter, service=world.service, impact=Level.HIGH, urgency=Level.HIGH
    )
    user = user_for(role)
    if role != "anonymous":
        client.force_login(user)
    before = world_state()
    response = client.post(reverse(url_name, args=args(incident)), data(incident, world))
    if role in INCIDENT_WORKERS:
        assert response.status_code == 302 and "/login/" not in response["Location"], response.content
        assert world_state() != before
    else:
        if role in NOT_SIGNED_IN:
            assert response.status_code == 302 and "/login/" in response["Location"]
        else:
            assert response.status_code == 403
        assert world_state() == before
