"""Reading the audit history: every tracked model's events as one list, newest first."""

from datetime import datetime

from django.db.models import QuerySet
from pghistory.core import event_models

from core.errors import InvalidInput

from .models import BASELINE, AuditRecord

ORDERING = ("-pgh_created_at", "-pgh_slug")  # the slug breaks ties: a total order for cursors


def audited_models() -> dict[str, type]:
    """Tracked model label (lower case, e.g. 'catalog.service') → its event model."""
    return {
        model.pgh_tracked_model._meta.label_lower: model
        for model in event_models()
        if model._meta.app_label == "audit"
    }


def audit_record_list(
    *,
    model: str | None = None,
    object_id: str | int | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditRecord]:
    """Creates, updates and deletes of configuration (not the baselines), with their actors; one
    query whatever the page size. `model` is a tracked model's label, e.g. 'sla.slapolicy'."""
    records = AuditRecord.objects.all()
    if model:
        known = audited_models()
        if model.lower() not in known:
            raise InvalidInput({"model": f"Not an audited model. Audited: {', '.join(sorted(known))}."})
        records = records.across(known[model.lower()])
    else:
        records = records.across(*audited_models().values())
    records = records.exclude(pgh_label=BASELINE).select_related("actor")
    if object_id is not None:
        records = records.filter(pgh_obj_id=str(object_id))
    if actor_id is not None:
        records = records.filter(actor_id=actor_id)
    if since is not None:
        records = records.filter(pgh_created_at__gte=since)
    if until is not None:
        records = records.filter(pgh_created_at__lt=until)
    return records.order_by(*ORDERING)


def record_changes(record: AuditRecord) -> tuple[dict | None, dict | None]:
    """(before, after): the whole row on create or delete, the changed fields on update."""
    if record.pgh_label == "create":
        return None, record.pgh_data
    if record.pgh_label == "delete":
        return record.pgh_data, None
    diff = record.pgh_diff or {}
    return {name: pair[0] for name, pair in diff.items()}, {name: pair[1] for name, pair in diff.items()}
