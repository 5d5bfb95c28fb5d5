"""The audit history of configuration: one append-only event table per configuration model, written by
PostgreSQL triggers (django-pghistory), so admin, services and raw ORM or SQL writes are all caught.

Each row is a snapshot of the tracked row after a create or update, or before a delete, with the actor
and URL of the change (`pgh_context`, copied into the row, so nothing outside it can alter it later).
A trigger refuses UPDATE and DELETE on the event tables.

To audit another configuration model, add one line at the end of this file, e.g.

    track(Widget, "WidgetEvent")

then `manage.py makemigrations audit`. Its triggers are installed by the next `migrate`."""

import pghistory
from django.contrib.auth.models import Group, User
from django.db import models

from alerts.models import Integration
from catalog.models import ConfigurationItem, Service
from changes.models import ApprovalPolicy, ChangeTemplate, ChangeTemplateTask, FreezeWindow
from core.models import Team
from notifications.models import WebhookSubscription
from sla.models import (
    Calendar,
    EscalationLevel,
    EscalationPolicy,
    Holiday,
    SlaPolicy,
    SlaTarget,
    WorkingPeriod,
)

CREATE, UPDATE, DELETE, BASELINE = "create", "update", "delete", "baseline"
ACTIONS = (CREATE, UPDATE, DELETE)


def track(model: type[models.Model], name: str, **options) -> type[models.Model]:
    """Audit every create, update and delete of `model` into the event model `audit.<name>`."""
    return pghistory.create_event_model(
        model,
        pghistory.InsertEvent(CREATE),
        pghistory.UpdateEvent(UPDATE),
        pghistory.DeleteEvent(DELETE),
        pghistory.ManualEvent(BASELINE),  # the state when auditing began (audit/baseline.py)
        model_name=name,
        app_label="audit",
        abstract=False,
        append_only=True,
        context_field=pghistory.ContextJSONField(),
        obj_field=pghistory.ObjForeignKey(related_name="audit_events", related_query_name="audit_event"),
        **options,
    )


class AuditRecord(pghistory.models.Events):
    """Every audit event of every tracked model, newest first (a query over all event tables)."""

    actor = pghistory.ProxyField(
        "pgh_context__user",
        models.ForeignKey(
            User, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
            help_text="Who made the change (empty: the system).",
        ),
    )  # fmt: skip
    url = pghistory.ProxyField(
        "pgh_context__url", models.TextField(null=True, help_text="The request that made the change.")
    )

    class Meta:
        proxy = True
        verbose_name = "audit record"
        verbose_name_plural = "audit log"


track(Service, "ServiceEvent")
track(ConfigurationItem, "ConfigurationItemEvent")
track(ConfigurationItem.depends_on.through, "CiDependencyEvent")
track(Team, "TeamEvent")
track(Calendar, "CalendarEvent")
track(WorkingPeriod, "WorkingPeriodEvent")
track(Holiday, "HolidayEvent")
track(SlaPolicy, "SlaPolicyEvent")
track(SlaTarget, "SlaTargetEvent")
track(EscalationPolicy, "EscalationPolicyEvent")
track(EscalationLevel, "EscalationLevelEvent")
track(EscalationLevel.notify_users.through, "EscalationRecipientEvent")
track(WebhookSubscription, "WebhookSubscriptionEvent", exclude=["secret"])
track(ApprovalPolicy, "ApprovalPolicyEvent")
track(ChangeTemplate, "ChangeTemplateEvent")
track(ChangeTemplateTask, "ChangeTemplateTaskEvent")
track(FreezeWindow, "FreezeWindowEvent")
track(FreezeWindow.services.through, "FreezeWindowServiceEvent")
# Users: only what grants access (never the password hash; logins do not count as changes).
track(User, "UserEvent", fields=["id", "username", "is_active", "is_staff", "is_superuser"])
track(User.groups.through, "UserRoleEvent")
track(User.user_permissions.through, "UserPermissionEvent")
track(Group, "GroupEvent")
track(Group.permissions.through, "GroupPermissionEvent")
track(Integration, "IntegrationEvent", exclude=["key"])  # the key is a credential
