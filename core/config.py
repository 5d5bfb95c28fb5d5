"""The write path every configuration service shares: check who may configure, validate the model
(field messages as InvalidInput), save inside the audit context, all in one transaction. The
process-specific services (catalog, core teams, sla calendars, ...) are thin typed wrappers."""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from .audit import audit_actor
from .errors import Conflict, InvalidInput
from .permissions import CONFIGURE, require

M = TypeVar("M", bound=models.Model)


def require_configure(actor) -> None:
    require(actor, CONFIGURE)


def _split(model: type[models.Model], fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Iterable]]:
    """Column values and many-to-many values; an unknown field name is a programming error."""
    plain, many = {}, {}
    for name, value in fields.items():
        field = model._meta.get_field(name)
        (many if field.many_to_many else plain)[name] = value
    return plain, many


def _validated_save(instance: M, many: dict[str, Iterable]) -> M:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict) from exc
    instance.save()
    for name, values in many.items():
        getattr(instance, name).set(values)
    return instance


def config_create(model: type[M], *, actor, check: Callable[[Any], None] = require_configure, **fields) -> M:
    """A new configuration record, validated like a form would and audited with its actor."""
    check(actor)
    plain, many = _split(model, fields)
    with transaction.atomic(), audit_actor(actor):
        return _validated_save(model(**plain), many)


def config_update(instance: M, *, actor, check: Callable[[Any], None] = require_configure, **fields) -> M:
    """Apply `fields` to the locked current row (not to a possibly stale copy) and save it."""
    check(actor)
    plain, many = _split(type(instance), fields)
    with transaction.atomic(), audit_actor(actor):
        current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        for name, value in plain.items():
            setattr(current, name, value)
        return _validated_save(current, many)


def config_record_save(record: M, *, actor, cleaned: dict[str, Any]) -> M:
    """Apply `cleaned` (values the caller has checked) to the locked current row of a
    core.models.ConfigurationRecord and save only them and `updated_at`, audited with `actor`."""
    with transaction.atomic(), audit_actor(actor):
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*cleaned, "updated_at"])
    return locked


def config_delete(instance: models.Model, *, actor, check: Callable[[Any], None] = require_configure) -> None:
    check(actor)
    with transaction.atomic(), audit_actor(actor):
        try:
            instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            blocking = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
            used_by = sorted({str(obj) for obj in blocking})
            shown = ", ".join(used_by[:5]) + (" …" if len(used_by) > 5 else "")
            raise Conflict(f"'{instance}' is still in use ({shown}).", code="in_use") from exc
