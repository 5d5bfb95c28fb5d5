"""Turning stored inbound events into alerts and incidents.

Events of one integration are processed one at a time, in arrival order (a PostgreSQL advisory lock
per integration), each in its own savepoint: a bad event is retried with backoff and then marked
failed, without holding back the others. Processing is idempotent: an alert's state is kept per
fingerprint / dedup_key, and only a change of state acts on the incident (a repeat is counted)."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from core.events import NewEvent, publish_many
from incidents import services as incident_services
from incidents.announce import incident_payload
from incidents.models import OPEN_STATUSES, Incident, ResolutionCode, Source, Status

from . import events, payloads
from .models import Alert, AlertGroup, InboundEvent, Integration
from .system import system_actor

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 5
LOCK_NAMESPACE = 0x61_6C_72  # "alr": the first key of this app's advisory locks
TITLE_MAX = 200
INCIDENT_RELATED = ("service", "assignee", "assignment_group")


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2 ** (attempts - 1), 600))


def signals_of(integration: Integration, body: dict) -> list[payloads.Signal]:
    if integration.kind == Integration.Kind.ALERTMANAGER:
        by_group = integration.grouping == Integration.Grouping.GROUP_KEY
        return payloads.alertmanager_signals(body, by_group=by_group)
    return [payloads.events_v2_signal(body)]


@dataclass
class Run:
    """One batch's context: who acts, and the events to publish when the batch commits."""

    integration: Integration
    now: datetime
    actor: object = None
    published: list[NewEvent] = field(default_factory=list)
    # The batch's alerts and groups by key, read in one query per body (see `load`).
    alerts: dict[str, Alert] = field(default_factory=dict)
    groups: dict[str, AlertGroup] = field(default_factory=dict)
    # Open incidents read for the current body only (its alerts mostly share one).
    open_incidents: dict[int, Incident] = field(default_factory=dict)

    def load(self, signals: list[payloads.Signal]) -> None:
        """Read the alerts and groups these signals name, that the batch has not read yet."""
        keys = {signal.key for signal in signals} - set(self.alerts)
        if keys:
            for alert in Alert.objects.filter(integration=self.integration, key__in=keys):
                self.alerts[alert.key] = alert
        group_keys = {signal.group_key for signal in signals if signal.status == payloads.FIRING} - set(
            self.groups
        )
        if group_keys:
            for group in AlertGroup.objects.filter(integration=self.integration, key__in=group_keys):
                self.groups[group.key] = group

    def forget(self) -> None:
        """After a rolled-back event: what the caches hold may not be in the database."""
        self.alerts.clear()
        self.groups.clear()

    def announce(self, alert: Alert) -> None:
        event_type = events.BY_STATUS[alert.status]
        incident = alert.incident
        self.published.append(
            NewEvent(
                type=event_type.name,
                key=f"alert:{alert.pk}:{alert.status}:{alert.starts_at.isoformat()}",
                payload={
                    "alert": {
                        "id": alert.pk,
                        "key": alert.key,
                        "status": alert.status,
                        "summary": alert.summary,
                        "severity": alert.severity,
                        "integration": self.integration.name,
                        "labels": alert.labels,
                    },
                    "incident": incident_payload(incident) if incident else None,
                },
                subject=incident or alert,
                actor=self.actor,
                url=reverse("incidents:detail", args=[incident.pk]) if incident else "",
            )
        )


# --- the processing loop ---------------------------------------------------------------------


def inbound_process(*, integration_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Process the integration's due events, oldest first; returns how many were processed."""
    processed = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, integration_id])
            now = timezone.now()
            batch = list(
                InboundEvent.objects.filter(
                    integration_id=integration_id, status=InboundEvent.Status.PENDING, due_at__lte=now
                ).order_by("id")[:batch_size]
            )
            if batch:
                integration = Integration.objects.get(pk=integration_id)
                run = Run(integration=integration, now=now, actor=system_actor())
                for inbound in batch:
                    _process_one(run, inbound)
                    processed += 1
                publish_many(run.published)
        if len(batch) < batch_size:
            return processed


def inbound_due_integrations(*, now: datetime, limit: int = 1000) -> list[int]:
    """Integrations with events due (the sweep's work list)."""
    return list(
        InboundEvent.objects.filter(status=InboundEvent.Status.PENDING, due_at__lte=now)
        .order_by("integration_id")
        .values_list("integration_id", flat=True)
        .distinct()[:limit]
    )


def _process_one(run: Run, inbound: InboundEvent) -> None:
    published_before = len(run.published)
    inbound.attempts += 1
    try:
        with transaction.atomic():
            if not run.actor.is_active:
                raise RuntimeError(f"The service user {run.actor} is deactivated.")
            signals = signals_of(run.integration, inbound.body)
            run.open_incidents.clear()
            run.load(signals)
            for signal in signals:
                apply_signal(run, signal)
    except Exception as exc:  # anything: this event waits (or fails), the others go on
        del run.published[published_before:]
        run.forget()
        logger.exception("alerts: inbound event %s failed (attempt %s)", inbound.pk, inbound.attempts)
        inbound.error = f"{type(exc).__name__}: {exc}"[:2000]
        if isinstance(exc, payloads.Invalid) or inbound.attempts >= MAX_ATTEMPTS:
            inbound.status, inbound.due_at = InboundEvent.Status.FAILED, None
        else:
            inbound.due_at = run.now + _retry_delay(inbound.attempts)
    else:
        inbound.status, inbound.due_at, inbound.error = InboundEvent.Status.DONE, None, ""
        inbound.processed_at = run.now
    inbound.save(update_fields=["status", "due_at", "attempts", "processed_at", "error"])


# --- one alert's news ------------------------------------------------------------------------


def apply_signal(run: Run, signal: payloads.Signal) -> Alert | None:
    alert = run.alerts.get(signal.key)
    if alert is None:
        alert = Alert.objects.filter(integration=run.integration, key=signal.key).first()
    if signal.status == payloads.FIRING:
        return _fire(run, alert, signal)
    if alert is None:
        return None  # acknowledging or resolving an alert never seen: nothing to change
    if signal.status == payloads.ACKNOWLEDGED:
        return _acknowledge(run, alert)
    return _resolve(run, alert, signal)


def _details(alert: Alert, signal: payloads.Signal, run: Run) -> None:
    if signal.summary:
        alert.summary = signal.summary
    alert.severity = signal.severity or alert.severity
    alert.source = signal.source or alert.source
    alert.labels = signal.labels or alert.labels
    alert.annotations = signal.annotations or alert.annotations
    alert.links = signal.links or alert.links
    alert.last_received_at = run.now


def _fire(run: Run, alert: Alert | None, signal: payloads.Signal) -> Alert:
    starts_at = signal.starts_at or run.now
    if alert is not None:
        # Alertmanager gives a new startsAt when an alert fires again; the same one is a late retry.
        stale = (
            alert.status == Alert.Status.RESOLVED
            and run.integration.kind == Integration.Kind.ALERTMANAGER
            and signal.starts_at == alert.starts_at
        )
        if alert.status != Alert.Status.RESOLVED or stale:
            # A repeat (or a late retry of a firing the sender has since resolved): count it only.
            _details(alert, signal, run)
            alert.received_count += 1
            alert.save()
            return alert
        alert.status, alert.starts_at, alert.ends_at = Alert.Status.FIRING, starts_at, None
        alert.received_count += 1
        _details(alert, signal, run)
    else:
        alert = Alert(
            integration=run.integration,
            key=signal.key,
            status=Alert.Status.FIRING,
            summary=signal.summary or signal.key,
            starts_at=starts_at,
            first_received_at=run.now,
        )
        _details(alert, signal, run)
    group = run.groups.get(signal.group_key)
    if group is None:
        group, _ = AlertGroup.objects.get_or_create(integration=run.integration, key=signal.group_key)
        run.groups[group.key] = group
    alert.group = group
    alert.incident = _incident_for(run, group, signal, starts_at=min(starts_at, run.now))
    alert.save()
    run.alerts[alert.key] = alert
    run.announce(alert)
    return alert


def _incident_for(run: Run, group: AlertGroup, signal: payloads.Signal, *, starts_at: datetime):
    """The group's open incident; its resolved one, reopened; else a new one."""
    if group.incident_id in run.open_incidents:
        return run.open_incidents[group.incident_id]
    if group.incident_id is not None:
        # Its current state (people work it meanwhile), with what the event payload shows of it.
        incident = Incident.objects.select_related(*INCIDENT_RELATED).get(pk=group.incident_id)
        if incident.status in OPEN_STATUSES:
            run.open_incidents[incident.pk] = incident
            return incident
        if incident.status == Status.RESOLVED:
            reopened = incident_services.incident_transition(
                incident=incident,
                actor=run.actor,
                action="reopen",
                note=f"Alert fired again: {signal.summary} ({run.integration.name}).",
            )
            run.open_incidents[reopened.pk] = reopened
            return reopened
    impact, urgency = run.integration.impact_urgency(signal.severity)
    title = signal.summary if len(signal.summary) <= TITLE_MAX else signal.summary[: TITLE_MAX - 1] + "…"
    incident = incident_services.incident_create(
        actor=run.actor,
        title=title,
        description=_description(run.integration, signal),
        service=run.integration.service,
        impact=impact,
        urgency=urgency,
        source=Source.ALERT,
        detected_at=starts_at,
    )
    group.incident = incident
    group.save(update_fields=["incident"])
    run.open_incidents[incident.pk] = incident
    return incident


def _description(integration: Integration, signal: payloads.Signal) -> str:
    lines = [f"Opened by the {integration.get_kind_display()} integration '{integration.name}'."]
    if signal.description:
        lines += ["", signal.description]
    if signal.labels:
        lines += [
            "",
            "Labels: " + ", ".join(f"{name}={value}" for name, value in sorted(signal.labels.items())),
        ]
    for link in signal.links:
        lines.append(f"{link['text']}: {link['href']}")
    return "\n".join(lines)


def _acknowledge(run: Run, alert: Alert) -> Alert:
    if alert.status != Alert.Status.FIRING:
        return alert
    alert.status, alert.last_received_at = Alert.Status.ACKNOWLEDGED, run.now
    alert.save(update_fields=["status", "last_received_at"])
    incident = alert.incident
    if incident is not None:
        run.open_incidents.pop(incident.pk, None)
        incident.refresh_from_db()
        if incident.status == Status.NEW:
            alert.incident = incident_services.incident_transition(
                incident=incident,
                actor=run.actor,
                action="acknowledge",
                note=f"Acknowledged in {run.integration.name}: {alert.summary}.",
            )
    run.announce(alert)
    return alert


def _resolve(run: Run, alert: Alert, signal: payloads.Signal) -> Alert:
    if alert.status == Alert.Status.RESOLVED:
        alert.received_count += 1
        alert.last_received_at = run.now
        alert.save(update_fields=["received_count", "last_received_at"])
        return alert
    alert.status = Alert.Status.RESOLVED
    alert.ends_at = min(signal.ends_at or run.now, run.now)
    alert.received_count += 1
    alert.last_received_at = run.now
    alert.save(update_fields=["status", "ends_at", "received_count", "last_received_at"])
    if run.integration.auto_resolve and alert.incident_id:
        _auto_resolve(run, alert)
    run.announce(alert)
    return alert


# The steps that take an open incident to resolved, from each open state.
_TO_RESOLVED = {
    Status.NEW: ("acknowledge", "resolve"),
    Status.ACKNOWLEDGED: ("resolve",),
    Status.IN_PROGRESS: ("resolve",),
    Status.ON_HOLD: ("resume", "resolve"),
}


def _auto_resolve(run: Run, alert: Alert) -> None:
    """Resolve the incident once none of its alerts is still firing or acknowledged."""
    if Alert.objects.filter(incident_id=alert.incident_id).exclude(status=Alert.Status.RESOLVED).exists():
        return
    run.open_incidents.pop(alert.incident_id, None)
    incident = alert.incident
    incident.refresh_from_db()
    note = f"Every alert resolved in {run.integration.name}; resolved automatically."
    for action in _TO_RESOLVED.get(incident.status, ()):
        params = {}
        if action == "resolve":
            params = {"resolution_code": ResolutionCode.FIXED, "resolution_notes": note}
        incident = incident_services.incident_transition(
            incident=incident, actor=run.actor, action=action, note=note, **params
        )
    alert.incident = incident
