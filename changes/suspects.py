"""Suspected cause (issue #8 item 10): which recently implemented changes may have caused an incident.

An incident opened on a service or CI within `OPSDESK_SUSPECT_WINDOW_HOURS` (default 4) after a change
was implemented on it, or on a CI that depends (transitively, through the CMDB graph) on a changed CI,
is linked to the change as a *suggested* cause. The incident shows "possibly caused by CHG-…", the change
shows the incident, and an agent confirms or dismisses the link; confirmed links count against the
change's success (changes.success).

Detection (`suspects_detect`) runs from the `incident.created` handler (changes.handlers), once per
event, and is idempotent on its own too (INSERT … ON CONFLICT DO NOTHING on (change, incident)): only
the links it really creates get timeline entries and a notification."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_fsm import can_proceed

from catalog import graph
from core.errors import InvalidInput, TransitionNotAllowed
from core.events import publish_many
from core.formatting import duration_text
from core.models import TimelineEntry
from core.permissions import require
from core.timeline import timeline_field_change_entry, timeline_record_many

from . import permissions
from .announce import change_event
from .events import SUSPECTED_INCIDENT
from .models import Change, Status, SuspectedCause, SuspectReason, SuspectStatus

# A change counts from the moment it was implemented: whatever its outcome, and after review or close.
IMPLEMENTED_STATUSES = (Status.IMPLEMENTED, Status.IN_REVIEW, Status.CLOSED)
# When a change matches in several ways, the most specific reason is kept.
_REASON_ORDER = (SuspectReason.SAME_CI, SuspectReason.DEPENDENT_CI, SuspectReason.SAME_SERVICE)
_SUSPECT_FIELD = {"incident": "suspected_cause", "change": "suspected_incident"}


def suspect_window() -> timedelta:
    return timedelta(hours=float(getattr(settings, "OPSDESK_SUSPECT_WINDOW_HOURS", 4)))


# --- detection -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    change: Change
    incident: object  # incidents.Incident
    reason: str
    ci_id: int | None


def _incident_model():
    return apps.get_model("incidents", "Incident")


def _candidates(incidents: list, upstream: dict[int, set[int]], window: timedelta) -> list[Change]:
    """Changes implemented in some incident's window on one of the incidents' services, on a CI of
    those services, or on an incident's CI or one of its upstream CIs: one query and two prefetches."""
    service_ids = {incident.service_id for incident in incidents}
    ci_ids = {incident.ci_id for incident in incidents if incident.ci_id} | set().union(*upstream.values())
    through_services = Change.services.through.objects.filter(service_id__in=service_ids)
    through_cis = Change.cis.through.objects.filter(
        Q(configurationitem_id__in=ci_ids) | Q(configurationitem__service_id__in=service_ids)
    )
    earliest = min(incident.created_at for incident in incidents) - window
    latest = max(incident.created_at for incident in incidents)
    return list(
        Change.objects.filter(
            Q(pk__in=through_services.values("change_id")) | Q(pk__in=through_cis.values("change_id")),
            status__in=IMPLEMENTED_STATUSES,
            implemented_at__gte=earliest,
            implemented_at__lte=latest,
        )
        .select_related("requester", "implementer")
        .prefetch_related("services", "cis")
        .order_by("implemented_at", "id")
    )


def _match(change: Change, incident, upstream: set[int], window: timedelta) -> Match | None:
    if not incident.created_at - window <= change.implemented_at <= incident.created_at:
        return None
    changed_cis = {ci.pk: ci for ci in change.cis.all()}
    found: dict[str, int | None] = {}
    if incident.ci_id in changed_cis:
        found[SuspectReason.SAME_CI] = incident.ci_id
    if through := sorted(set(changed_cis) & upstream):
        found[SuspectReason.DEPENDENT_CI] = through[0]
    if incident.service_id in {service.pk for service in change.services.all()}:
        found[SuspectReason.SAME_SERVICE] = None
    elif same := sorted(pk for pk, ci in changed_cis.items() if ci.service_id == incident.service_id):
        found[SuspectReason.SAME_SERVICE] = same[0]
    reason = next((reason for reason in _REASON_ORDER if reason in found), None)
    return Match(change, incident, reason, found[reason]) if reason else None


def _insert(matches: list[Match], now: datetime) -> set[tuple[int, int]]:
    """Insert the links that do not exist yet (one statement); the (change, incident) pairs created."""
    if not matches:
        return set()
    table = SuspectedCause._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (change_id, incident_id, reason, ci_id, status, note, created_at)
            SELECT m.change_id, m.incident_id, m.reason, m.ci_id, %s, '', %s
            FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::bigint[])
                AS m(change_id, incident_id, reason, ci_id)
            ON CONFLICT (change_id, incident_id) DO NOTHING
            RETURNING change_id, incident_id
            """,
            [
                SuspectStatus.SUGGESTED,
                now,
                [m.change.pk for m in matches],
                [m.incident.pk for m in matches],
                [str(m.reason) for m in matches],
                [m.ci_id for m in matches],
            ],
        )
        return {(change_id, incident_id) for change_id, incident_id in cursor.fetchall()}


def _reason_text(reason: str, ci_name: str | None) -> str:
    if reason == SuspectReason.SAME_CI:
        return f"on the same configuration item {ci_name}"
    if reason == SuspectReason.DEPENDENT_CI:
        return f"on {ci_name}, which the incident's configuration item depends on"
    return f"on the same service (via {ci_name})" if ci_name else "on the same service"


def suspects_detect(*, incident_ids: Iterable[int], now: datetime | None = None) -> list[SuspectedCause]:
    """Link each incident to the changes implemented within the window before it was opened on what
    it touches; record a timeline entry on both records and tell the change's requester and
    implementer. Idempotent: an existing link is left as it is. Returns the links created."""
    now = now or timezone.now()
    window = suspect_window()
    incidents = list(_incident_model().objects.filter(pk__in=list(incident_ids)).select_related("service"))
    if not incidents:
        return []
    upstream = {
        incident.pk: graph.ci_upstream([incident.ci_id]) if incident.ci_id else set()
        for incident in incidents
    }
    changes = _candidates(incidents, upstream, window)
    matches = [
        match
        for incident in incidents
        for change in changes
        if (match := _match(change, incident, upstream[incident.pk], window))
    ]
    with transaction.atomic():
        created = _insert(matches, now)
        matches = [m for m in matches if (m.change.pk, m.incident.pk) in created]
        if not matches:
            return []
        links = {
            (link.change_id, link.incident_id): link
            for link in SuspectedCause.objects.filter(
                change__in={m.change.pk for m in matches}, incident__in={m.incident.pk for m in matches}
            ).select_related("ci")
        }
        _announce_new(matches, links, now)
    return [links[(m.change.pk, m.incident.pk)] for m in matches]


def _announce_new(matches: list[Match], links: dict, now: datetime) -> None:
    entries, events = [], []
    for match in matches:
        change, incident = match.change, match.incident
        link = links[(change.pk, incident.pk)]
        ci_name = link.ci.name if link.ci_id else None
        after = duration_text(incident.created_at - change.implemented_at, "words")
        how = _reason_text(match.reason, ci_name)
        data = {
            "suspected_cause": link.pk,
            "change": change.pk,
            "incident": incident.pk,
            "reason": match.reason,
        }
        entries.append(
            timeline_field_change_entry(
                subject=incident,
                field=_SUSPECT_FIELD["incident"],
                old=None,
                new=change.number,
                at=now,
                data=data,
            )
        )
        entries[
            -1
        ].note = f"Possibly caused by {change.number} {change.title}: implemented {after} before, {how}."
        entries.append(
            timeline_field_change_entry(
                subject=change,
                field=_SUSPECT_FIELD["change"],
                old=None,
                new=incident.number,
                at=now,
                data=data,
            )
        )
        entries[
            -1
        ].note = f"{incident.number} {incident.title} was opened {after} after implementation, {how}."
        events.append(
            change_event(
                change,
                event_type=SUSPECTED_INCIDENT.name,
                event_key=f"change:{change.pk}:suspect:{incident.pk}",
                title=f"{change.number} may have caused {incident.number}",
                body=f"{incident.title}: opened {after} after {change.number} was implemented, {how}.",
                recipients=[user for user in (change.requester, change.implementer) if user is not None],
                data={
                    "suspected_incident": {
                        "id": incident.pk,
                        "number": incident.number,
                        "title": incident.title,
                        "service": incident.service.slug,
                        "created_at": incident.created_at.isoformat(),
                    },
                    "suspected_cause": link.pk,
                    "reason": str(match.reason),
                    "ci": ci_name,
                },
            )
        )
    timeline_record_many(entries)
    publish_many(events)


# --- decisions -------------------------------------------------------------------------------------


def _decide(
    *, link: SuspectedCause | int, actor: AbstractBaseUser, action: str, note: str, at: datetime | None
) -> SuspectedCause:
    require(actor, permissions.LINK_INCIDENTS)
    note = (note or "").strip()
    if action == "dismiss" and not note:
        raise InvalidInput({"note": "Say why the change did not cause this incident."})
    pk = link.pk if isinstance(link, SuspectedCause) else link
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            SuspectedCause.objects.select_for_update(of=("self",))
            .select_related("change", "incident")
            .get(pk=pk)
        )
        method = getattr(locked, action)
        if not can_proceed(method):
            raise TransitionNotAllowed(
                action=action,
                current_status=locked.status,
                allowed=locked.allowed_transitions(),
                reason=f"This suspected cause was already {locked.status} "
                f"({locked.decided_at:%Y-%m-%d %H:%M %Z}).",
            )
        before = locked.status
        method(at=at, by=actor, note=note)
        locked.save(update_fields=["status", "decided_at", "decided_by", "note"])
        data = {"suspected_cause": locked.pk, "change": locked.change_id, "incident": locked.incident_id}
        change, incident = locked.change, locked.incident
        timeline_record_many(
            [
                _decision_entry(incident, "incident", change.number, before, locked, actor, at, data),
                _decision_entry(change, "change", incident.number, before, locked, actor, at, data),
            ]
        )
    return locked


def _decision_entry(subject, side: str, other: str, before: str, link, actor, at, data) -> TimelineEntry:
    entry = timeline_field_change_entry(
        subject=subject,
        field=_SUSPECT_FIELD[side],
        old=f"{other} ({before})",
        new=f"{other} ({link.status})",
        actor=actor,
        at=at,
        data={**data, "status": link.status},
    )
    entry.note = link.note
    return entry


def suspect_confirm(
    *, link: SuspectedCause | int, actor: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> SuspectedCause:
    """The change did cause the incident: the link now counts against the change's success."""
    return _decide(link=link, actor=actor, action="confirm", note=note, at=at)


def suspect_dismiss(
    *, link: SuspectedCause | int, actor: AbstractBaseUser, note: str, at: datetime | None = None
) -> SuspectedCause:
    """The change did not cause the incident (a note saying why is required)."""
    return _decide(link=link, actor=actor, action="dismiss", note=note, at=at)


# --- selectors -------------------------------------------------------------------------------------


def suspect_list() -> QuerySet[SuspectedCause]:
    """Links with everything a list shows, in a constant number of queries."""
    return SuspectedCause.objects.select_related(
        "change", "incident", "incident__service", "ci", "decided_by"
    )


def suspects_of_change(change: Change | int) -> QuerySet[SuspectedCause]:
    """The incidents a change may have caused, newest first."""
    return suspect_list().filter(change=change).order_by("-created_at", "-id")


def suspects_of_incident(incident) -> QuerySet[SuspectedCause]:
    """The changes that may have caused an incident, most recently implemented first."""
    return suspect_list().filter(incident=incident).order_by("-change__implemented_at", "-id")
