"""Freeze (blackout) windows: services and the selector. Writes go through core.config's write path
(permission, validation as field errors, the audit actor) with the change process's permission."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog.models import Service
from core.config import config_create, config_delete, config_update
from core.permissions import require
from core.validation import field_errors

from .models import FreezeWindow
from .permissions import MANAGE_FREEZE_WINDOWS


def _check(actor) -> None:
    require(actor, MANAGE_FREEZE_WINDOWS)


def _validate(*, starts_at: datetime | None, ends_at: datetime | None, name: str | None) -> None:
    with field_errors() as errors:
        if name is not None:
            errors.check(name.strip(), "name", "A name is required.")
        if starts_at and ends_at:
            errors.check(ends_at > starts_at, "ends_at", "The window must end after it starts.")


def freeze_window_create(
    *,
    actor,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    services: Iterable[Service] = (),
    active: bool = True,
) -> FreezeWindow:
    """A freeze window; global when it names no service."""
    _check(actor)
    _validate(starts_at=starts_at, ends_at=ends_at, name=name)
    return config_create(
        FreezeWindow,
        actor=actor,
        check=_check,
        name=name.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        services=list(services),
        active=active,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def freeze_window_update(*, window: FreezeWindow, actor, **fields) -> FreezeWindow:
    """Change some of name, reason, starts_at, ends_at, services, active."""
    _check(actor)
    _validate(
        starts_at=fields.get("starts_at", window.starts_at),
        ends_at=fields.get("ends_at", window.ends_at),
        name=fields.get("name"),
    )
    return config_update(window, actor=actor, check=_check, **fields)


def freeze_window_delete(*, window: FreezeWindow, actor) -> None:
    config_delete(window, actor=actor, check=_check)


def freeze_window_list(
    *, start: datetime | None = None, end: datetime | None = None, service: Service | int | None = None
) -> QuerySet[FreezeWindow]:
    """Freeze windows overlapping [start, end) (either bound optional); with `service`, those that apply
    to it: global windows and the service's own."""
    windows = FreezeWindow.objects.select_related("created_by").prefetch_related("services")
    if start is not None:
        windows = windows.filter(ends_at__gt=start)
    if end is not None:
        windows = windows.filter(starts_at__lt=end)
    if service is not None:
        links = FreezeWindow.services.through.objects.filter(freezewindow=OuterRef("pk"))
        service_id = service.pk if isinstance(service, Service) else service
        windows = windows.filter(~Exists(links) | Exists(links.filter(service_id=service_id)))
    return windows


def freeze_windows_between(start: datetime, end: datetime) -> QuerySet[FreezeWindow]:
    """Active windows overlapping [start, end), for calendars."""
    return freeze_window_list(start=start, end=end).filter(Q(active=True))
