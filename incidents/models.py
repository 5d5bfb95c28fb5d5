"""The incident record and its lifecycle. Transition methods only change the instance in memory;
every write (save, timeline, side effects) happens in services.py."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Upper
from django_fsm import FSMField, transition

from core.models import ConcurrentTransitionMixin, VersionedModel
from core.priority import Level, Priority, priority_for  # noqa: F401 (re-exported)


class Status(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.ON_HOLD)
# The lifecycle's order (new first, cancelled last): the queue's status sort and its index.
STATUS_RANK = Case(
    *(When(status=value, then=Value(rank)) for rank, value in enumerate(Status.values)),
    default=Value(len(Status.values)),
    output_field=IntegerField(),
)
TRANSITIONS = ("acknowledge", "start", "hold", "resume", "resolve", "close", "reopen", "cancel")
# Each transition as people see it: its button, and how 409 messages name it.
TRANSITION_LABELS = {
    "acknowledge": "Acknowledge",
    "start": "Start work",
    "hold": "Put on hold",
    "resume": "Resume work",
    "resolve": "Resolve",
    "close": "Close",
    "reopen": "Reopen",
    "cancel": "Cancel incident",
}


class ResolutionCode(models.TextChoices):
    FIXED = "fixed", "Fixed"
    WORKAROUND = "workaround", "Workaround applied"
    DUPLICATE = "duplicate", "Duplicate"
    CANNOT_REPRODUCE = "cannot_reproduce", "Cannot reproduce"
    NOT_AN_INCIDENT = "not_an_incident", "Not an incident"
    RESOLVED_BY_CHANGE = "resolved_by_change", "Resolved by change"


class HoldReason(models.TextChoices):
    AWAITING_CALLER = "awaiting_caller", "Awaiting caller"
    AWAITING_VENDOR = "awaiting_vendor", "Awaiting vendor"
    AWAITING_CHANGE = "awaiting_change", "Awaiting change"
    OTHER = "other", "Other"


class Source(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    ALERT = "alert", "Alert"


class Incident(ConcurrentTransitionMixin, VersionedModel):
    number = models.CharField(max_length=16, unique=True, null=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="incidents")
    ci = models.ForeignKey(
        "catalog.ConfigurationItem", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    impact = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.LOW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P4, editable=False)
    assignment_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_incidents"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_incidents",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_incidents"
    )
    # The affected user (ITIL's caller): hears of public updates like a watcher; optional.
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="called_incidents",
    )
    # People who hear of its public updates (comments that are not internal notes, status changes).
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="watched_incidents")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    status = FSMField(max_length=16, choices=Status.choices, default=Status.NEW, protected=True)
    # When monitoring saw the problem start (an alert's start), for MTTD; empty for incidents typed in.
    detected_at = models.DateTimeField(null=True, blank=True, editable=False)

    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    on_hold_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    reopened_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Why it waits while on hold, and when the hold sweep resumes it by itself (incidents.holds).
    # (database defaults too: bulk SQL such as the HTTP bench's seeding need not name them)
    hold_reason = models.CharField(
        max_length=32, choices=HoldReason.choices, blank=True, default="", db_default=""
    )
    hold_note = models.TextField(blank=True, default="", db_default="")
    resume_at = models.DateTimeField(null=True, blank=True, editable=False)

    resolution_code = models.CharField(max_length=32, choices=ResolutionCode.choices, blank=True)
    resolution_notes = models.TextField(blank=True)

    # The soonest deadline of its running SLA clocks (None when none runs), kept by the SLA engine
    # whenever a clock starts, pauses, resumes, stops or is retargeted (incidents.sla, `due_field`):
    # "due soonest" orders and "overdue" filters read this indexed column instead of the clocks.
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # From when its SLA counts as breached: the earliest of its clocks' recorded breaches, running
    # deadlines and late stops (sla.states.breached_from; None: not breached and nothing runs), kept
    # alongside `sla_due_at`. "SLA breached" is `sla_breached_from <= now`, exactly as if each clock
    # were asked (sla.states.breached_q), read off the partial indexes below instead of the clocks.
    sla_breached_from = models.DateTimeField(null=True, blank=True, editable=False)

    # The escalation state (level reached, next due) lives in sla.Escalation; deleted with the incident.
    escalations = GenericRelation("sla.Escalation")

    # Its SLA clocks (sla.SlaClock); clocks filter back as `incident__...`.
    sla_clocks = GenericRelation("sla.SlaClock", related_query_name="incident")

    class Meta:
        ordering = ["priority", "created_at"]
        indexes = [
            models.Index(fields=["status", "priority", "created_at"], name="incident_queue_idx"),
            # The SLA dashboard's and CSV export's period filter (created_at in [start, end)).
            models.Index(fields=["created_at"], name="incident_created_at_idx"),
            models.Index(fields=["assignee", "status"], name="incident_assignee_idx"),
            models.Index(fields=["assignment_group", "status"], name="incident_group_idx"),
            models.Index(fields=["service", "status"], name="incident_service_idx"),
            # The detail page's "related incidents": the same configuration item, newest first.
            models.Index(fields=["ci", "-created_at"], name="incident_ci_created_idx"),
            # The hold sweep reads only incidents on hold with a resume-by time.
            models.Index(
                fields=["resume_at"],
                condition=models.Q(status="on_hold", resume_at__isnull=False),
                name="incident_resume_due_idx",
            ),
            # The queue's order (priority, then oldest, then id; see incidents/views.py SORTS), so every
            # quick view reads its first page straight from an index with a LIMIT, without sorting.
            models.Index(fields=["priority", "created_at", "id"], name="incident_order_idx"),
            models.Index(
                fields=["priority", "created_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="incident_open_order_idx",
            ),
            models.Index(
                fields=["assignee", "priority", "created_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="incident_open_mine_idx",
            ),
            models.Index(
                fields=["priority", "created_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES, assignee__isnull=True),
                name="incident_open_unassigned_idx",
            ),
            # The API list's filters and orderings, each ending with the id its keyset order ends with
            # (core.api.keyset), so PostgreSQL reads a page of 50 straight off the index.
            models.Index(fields=["status", "id"], name="incident_status_id_idx"),
            models.Index(fields=["priority", "id"], name="incident_priority_id_idx"),
            models.Index(fields=["source", "id"], name="incident_source_id_idx"),
            models.Index(fields=["created_at", "id"], name="incident_created_id_idx"),
            models.Index(fields=["updated_at", "id"], name="incident_updated_id_idx"),
            # "Due soonest" (`?ordering=sla_due_at`, the queue's "due" sort) and its reverse, NULLs last
            # both ways as the keyset order has them.
            models.Index(F("sla_due_at").asc(nulls_last=True), F("id").asc(), name="incident_sla_due_id_idx"),
            models.Index(
                F("sla_due_at").desc(nulls_last=True), F("id").desc(), name="incident_sla_due_desc_id_idx"
            ),
            # The queue's "due" sort over open incidents (its quick views), read off the index with a LIMIT.
            models.Index(
                F("sla_due_at").asc(nulls_last=True),
                F("priority"),
                F("created_at"),
                F("id"),
                condition=models.Q(status__in=OPEN_STATUSES),
                name="incident_open_due_idx",
            ),
            # `number` may be NULL, so `-number` sorts DESC NULLS LAST, which the unique index's
            # backward scan (DESC NULLS FIRST) does not give.
            models.Index(
                F("number").desc(nulls_last=True), F("id").desc(), name="incident_number_desc_id_idx"
            ),
            # Search (`?search=`, `?q=`) is `UPPER(column) LIKE UPPER('%term%')`: trigram indexes on
            # exactly those expressions.
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="incident_title_trgm_idx"),
            GinIndex(OpClass(Upper("number"), name="gin_trgm_ops"), name="incident_number_trgm_idx"),
            # The queue's column sorts (incidents/views/queue.py SORTS), each read off an index in its
            # order, forwards or backwards (a descending sort is the exact reverse), over the whole
            # table and over open incidents; priority and number use the indexes above.
            models.Index(
                STATUS_RANK, F("priority"), F("created_at"), F("id"), name="incident_status_order_idx"
            ),
            models.Index(
                STATUS_RANK,
                F("priority"),
                F("created_at"),
                F("id"),
                condition=models.Q(status__in=OPEN_STATUSES),
                name="incident_open_status_order_idx",
            ),
            models.Index(
                F("sla_due_at").asc(nulls_last=True),
                F("priority"),
                F("created_at"),
                F("id"),
                name="incident_due_order_idx",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="incident_open_created_idx",
            ),
            models.Index(
                fields=["number"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="incident_open_number_idx",
            ),
            # "SLA breached" (`?sla=breached`, the queue's quick view): the API list's id order and the
            # queue's default order over open incidents, the `<= now` test read from the index entry
            # (only incidents whose SLA has or can breach are in it), so a page probes no table row that
            # is not on it.
            models.Index(
                F("id").desc(),
                F("sla_breached_from"),
                condition=models.Q(sla_breached_from__isnull=False),
                name="incident_breached_id_idx",
            ),
            models.Index(
                fields=["priority", "created_at", "id"],
                include=["sla_breached_from"],
                condition=models.Q(status__in=OPEN_STATUSES, sla_breached_from__isnull=False),
                name="incident_open_breached_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def allowed_transitions(self) -> list[str]:
        return [t.name for t in self.get_available_status_transitions()]

    # --- lifecycle: new → acknowledged → in_progress ⇄ on_hold → resolved → closed -------------

    @transition(field=status, source=Status.NEW, target=Status.ACKNOWLEDGED)
    def acknowledge(self, *, at):
        self.acknowledged_at = at

    @transition(field=status, source=Status.ACKNOWLEDGED, target=Status.IN_PROGRESS)
    def start(self, *, at):
        self.started_at = at

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.ON_HOLD)
    def hold(self, *, at, hold_reason: str, hold_note: str = "", resume_at=None):
        if hold_reason not in HoldReason.values:
            raise ValueError("Putting on hold needs a reason.")
        self.on_hold_at = at
        self.hold_reason = hold_reason
        self.hold_note = hold_note
        self.resume_at = resume_at

    def _clear_hold(self) -> None:
        self.on_hold_at = None
        self.hold_reason = ""
        self.hold_note = ""
        self.resume_at = None

    @transition(field=status, source=Status.ON_HOLD, target=Status.IN_PROGRESS)
    def resume(self, *, at):
        self._clear_hold()

    @transition(field=status, source=[Status.ACKNOWLEDGED, Status.IN_PROGRESS], target=Status.RESOLVED)
    def resolve(self, *, at, resolution_code: str, resolution_notes: str):
        if not resolution_code or not resolution_notes.strip():
            raise ValueError("Resolving needs a resolution code and notes.")
        self.resolved_at = at
        self.resolution_code = resolution_code
        self.resolution_notes = resolution_notes

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED)
    def close(self, *, at):
        self.closed_at = at

    @transition(field=status, source=Status.RESOLVED, target=Status.IN_PROGRESS)
    def reopen(self, *, at):
        self.reopened_at = at
        self.resolved_at = None
        self.resolution_code = ""
        self.resolution_notes = ""

    @transition(field=status, source=list(OPEN_STATUSES), target=Status.CANCELLED)
    def cancel(self, *, at):
        self.cancelled_at = at
        self.resume_at = None  # nothing left to resume


from .saved_views import SavedView  # noqa: E402, F401 (a model of this app, in its own module)
from .search import SearchDocument  # noqa: E402, F401 (the search document is a model of this app)
