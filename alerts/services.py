"""Every write of alert ingestion: integrations (managers configure them) and accepting an inbound
event (the endpoints; the key is the credential). Processing lives in processing.py."""

import functools
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from catalog.models import Service
from core.audit import audit_actor
from core.config import config_record_save
from core.errors import Conflict
from core.nudge import nudge_on_commit
from core.permissions import require
from core.validation import FieldErrors

from . import permissions
from .models import Alert, InboundEvent, Integration, new_key

logger = logging.getLogger(__name__)

RATE_LIMIT_MAX = 100_000


def _clean_severity_map(value, errors: FieldErrors) -> dict | None:
    if not isinstance(value, dict):
        errors.add("severity_map", 'An object such as {"critical": [1, 1]}.')
        return None
    cleaned = {}
    for severity, pair in value.items():
        ok = (
            isinstance(severity, str)
            and severity.strip()
            and isinstance(pair, list | tuple)
            and len(pair) == 2
            and all(
                isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 3 for level in pair
            )
        )
        if not ok:
            errors.add("severity_map", f"{severity!r}: give [impact, urgency], each 1 (high) to 3 (low).")
            continue
        cleaned[severity.strip().lower()] = [int(pair[0]), int(pair[1])]
    return cleaned


def integration_clean(
    *,
    name: str | None = None,
    kind: str | None = None,
    service: Service | None = None,
    severity_map: dict | None = None,
    grouping: str | None = None,
    rate_limit: int | None = None,
    exclude_pk: int | None = None,
) -> dict:
    """Validate the given fields (None = not given); InvalidInput with field messages otherwise."""
    errors = FieldErrors()
    cleaned: dict = {}
    if name is not None:
        cleaned["name"] = errors.required_text("name", name, what="A name", max_length=100)
        if (
            "name" not in errors
            and Integration.objects.filter(name=cleaned["name"]).exclude(pk=exclude_pk).exists()
        ):
            errors.add("name", "Another integration has this name.")
    if kind is not None:
        cleaned["kind"] = kind
        errors.check(kind in Integration.Kind.values, "kind", "Choose alertmanager or events_v2.")
    if service is not None:
        cleaned["service"] = service
    if severity_map is not None:
        cleaned["severity_map"] = _clean_severity_map(severity_map, errors)
    if grouping is not None:
        cleaned["grouping"] = grouping
        errors.check(grouping in Integration.Grouping.values, "grouping", "Choose group_key or fingerprint.")
    if rate_limit is not None:
        cleaned["rate_limit"] = rate_limit
        errors.check(
            1 <= rate_limit <= RATE_LIMIT_MAX, "rate_limit", f"From 1 to {RATE_LIMIT_MAX:,} a minute."
        )
    errors.raise_if_any()
    return cleaned


def integration_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    kind: str,
    service: Service,
    severity_map: dict | None = None,
    grouping: str = Integration.Grouping.GROUP_KEY,
    auto_resolve: bool = True,
    rate_limit: int | None = None,
    active: bool = True,
) -> Integration:
    require(actor, permissions.MANAGE)
    cleaned = integration_clean(
        name=name,
        kind=kind,
        service=service,
        severity_map=severity_map or {},
        grouping=grouping,
        rate_limit=rate_limit,
    )
    with transaction.atomic(), audit_actor(actor):
        return Integration.objects.create(
            **cleaned, auto_resolve=bool(auto_resolve), active=bool(active), created_by=actor
        )


def integration_update(
    *,
    integration: Integration,
    actor: AbstractBaseUser,
    name: str | None = None,
    service: Service | None = None,
    severity_map: dict | None = None,
    grouping: str | None = None,
    auto_resolve: bool | None = None,
    rate_limit: int | None = None,
    active: bool | None = None,
    rotate_key: bool = False,
) -> Integration:
    """Change the given fields (None = unchanged). The kind is fixed at creation; `rotate_key` gives
    the integration a new key (the old URL stops working at once)."""
    require(actor, permissions.MANAGE)
    cleaned = integration_clean(
        name=name,
        service=service,
        severity_map=severity_map,
        grouping=grouping,
        rate_limit=rate_limit,
        exclude_pk=integration.pk,
    )
    for field, value in (("auto_resolve", auto_resolve), ("active", active)):
        if value is not None:
            cleaned[field] = bool(value)
    if rotate_key:
        cleaned["key"] = new_key()
    return config_record_save(integration, actor=actor, cleaned=cleaned)


def integration_delete(*, integration: Integration, actor: AbstractBaseUser) -> None:
    """Delete an integration that never received an alert; one that did is deactivated instead,
    so incidents keep their alerts."""
    require(actor, permissions.MANAGE)
    with transaction.atomic(), audit_actor(actor):
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        if Alert.objects.filter(integration=locked).exists():
            raise Conflict(
                f"'{locked.name}' has alerts on incidents; deactivate it instead (active: false).",
                code="integration_in_use",
            )
        locked.delete()


def inbound_event_accept(*, integration: Integration, body: dict) -> InboundEvent:
    """Store what the sender posted (committed before the answer) and have it processed: by a task
    after commit, or right away in this process when ALERTS_PROCESS_INLINE is set. Either way the
    beat sweep processes whatever is still pending, so an accepted event is never lost."""
    with transaction.atomic():
        inbound = InboundEvent.objects.create(integration=integration, body=body)
        if getattr(settings, "ALERTS_PROCESS_INLINE", False):
            transaction.on_commit(functools.partial(_process_now, integration.pk))
        else:
            from .tasks import process_inbound

            nudge_on_commit(process_inbound, integration.pk)
    return inbound


def _process_now(integration_id: int) -> None:
    from .processing import inbound_process

    try:
        inbound_process(integration_id=integration_id)
    except Exception:  # the event is stored: the sweep tries again
        logger.exception("alerts: inline processing of integration %s failed", integration_id)
