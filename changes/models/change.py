"""The change request and its lifecycle (django-fsm-2). Transition methods only change the instance in
memory; every write (save, timeline, clocks, events) happens in the services.

    draft → submitted → assessment → awaiting_approval → approved | rejected
    approved → scheduled → implementing → implemented → in_review → closed
    cancelled from any state before implementing

A standard change is pre-approved (submitted → approved); an emergency change may start at once
once approved (approved → implementing); a standard change may close without a review."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from core.models import ConcurrentTransitionMixin, VersionedModel
from core.priority import Priority


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ASSESSMENT = "assessment", "Assessment"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENTING = "implementing", "Implementing"
    IMPLEMENTED = "implemented", "Implemented"
    IN_REVIEW = "in_review", "In review"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(models.TextChoices):
    SUCCESSFUL = "successful", "Successful"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class RollbackComplexity(models.TextChoices):
    SIMPLE = "simple", "Simple: a documented, tested one-step rollback"
    MODERATE = "moderate", "Moderate: several manual steps"
    COMPLEX = "complex", "Complex: data migration or coordinated teams"
    IMPOSSIBLE = "impossible", "Not possible: fix forward only"


class Testing(models.TextChoices):
    FULL = "full", "Tested in a production-like environment"
    PARTIAL = "partial", "Partly tested"
    NONE = "none", "Not tested"


CANCELLABLE_STATUSES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.ASSESSMENT,
    Status.AWAITING_APPROVAL,
    Status.APPROVED,
    Status.SCHEDULED,
)
# Not yet finished: what collision detection, calendars and "my work" look at.
ACTIVE_STATUSES = (
    Status.SUBMITTED,
    Status.ASSESSMENT,
    Status.AWAITING_APPROVAL,
    Status.APPROVED,
    Status.SCHEDULED,
    Status.IMPLEMENTING,
)
# Every transition method below; the API has one action per name (approve/reject are cast as votes).
TRANSITIONS = (
    "submit",
    "begin_assessment",
    "assess",
    "pre_approve",
    "approve",
    "reject",
    "revise",
    "schedule",
    "start",
    "complete",
    "review",
    "close",
    "cancel",
)


def _is_standard(change: "Change") -> bool:
    return change.type == ChangeType.STANDARD


def _is_not_standard(change: "Change") -> bool:
    return change.type != ChangeType.STANDARD


def _is_emergency(change: "Change") -> bool:
    return change.type == ChangeType.EMERGENCY


def _has_plans(change: "Change") -> bool:
    return change.type == ChangeType.STANDARD or not change.missing_plans()


class Change(ConcurrentTransitionMixin, VersionedModel):
    number = models.CharField(max_length=16, unique=True, editable=False)
    type = models.CharField(max_length=16, choices=ChangeType.choices, default=ChangeType.NORMAL)
    template = models.ForeignKey(
        "changes.ChangeTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    implementation_plan = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    test_plan = models.TextField(blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)

    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="changes")
    cis = models.ManyToManyField("catalog.ConfigurationItem", blank=True, related_name="changes")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_changes"
    )
    implementer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="implemented_changes",
    )
    assignment_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_changes"
    )
    status = FSMField(max_length=20, choices=Status.choices, default=Status.DRAFT, protected=True)

    # Risk assessment: the questionnaire's answers (the CMDB gives criticality and breadth) and its result.
    outage_required = models.BooleanField(default=False)
    rollback_complexity = models.CharField(
        max_length=16, choices=RollbackComplexity.choices, default=RollbackComplexity.SIMPLE
    )
    testing = models.CharField(max_length=16, choices=Testing.choices, default=Testing.FULL)
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    risk_level = models.CharField(max_length=16, choices=RiskLevel.choices, blank=True, editable=False)
    risk_reasons = models.JSONField(default=list, blank=True, editable=False)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment_note = models.TextField(blank=True, editable=False)

    # Approval: the policy in force when approval was requested (votes are ChangeApproval rows).
    approval_policy = models.ForeignKey(
        "changes.ApprovalPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    # How many times the change has been sent for approval (votes of earlier rounds stay as history).
    approval_round = models.PositiveSmallIntegerField(default=0, editable=False)
    rejection_reason = models.TextField(blank=True, editable=False)
    freeze_override_reason = models.TextField(blank=True, editable=False)

    # Implementation and post-implementation review.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, editable=False)
    outcome_notes = models.TextField(blank=True, editable=False)
    review_notes = models.TextField(blank=True, editable=False)  # what happened, incidents caused
    lessons = models.TextField(blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    assessed_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejected_at = models.DateTimeField(null=True, blank=True, editable=False)
    scheduled_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    implemented_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    sla_clocks = GenericRelation("sla.SlaClock", related_query_name="change")
    escalations = GenericRelation("sla.Escalation")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="change_status_id_idx"),
            models.Index(fields=["type", "id"], name="change_type_id_idx"),
            models.Index(fields=["created_at", "id"], name="change_created_id_idx"),
            models.Index(fields=["updated_at", "id"], name="change_updated_id_idx"),
            models.Index(fields=["planned_start", "id"], name="change_planned_start_id_idx"),
            models.Index(fields=["requester", "status"], name="change_requester_idx"),
            models.Index(fields=["implementer", "status"], name="change_implementer_idx"),
            # Calendars and collision checks: windows of changes not yet finished.
            models.Index(
                fields=["planned_start", "planned_end"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="change_active_window_idx",
            ),
            # The global search box (changes.selectors.change_search): the title's words, stemmed.
            GinIndex(SearchVector("title", config="english"), name="change_title_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=models.F("planned_start")),
                name="change_window_ends_after_start",
                violation_error_message="The planned end must be after the planned start.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def missing_plans(self) -> list[str]:
        """The plans a normal or emergency change needs before it can be submitted."""
        return [
            name
            for name in ("implementation_plan", "rollback_plan", "test_plan")
            if not getattr(self, name).strip()
        ]

    @property
    def needs_review(self) -> bool:
        """A post-implementation review is required before close (normal and emergency changes)."""
        return self.type != ChangeType.STANDARD

    def allowed_transitions(self) -> list[str]:
        return [t.name for t in self.get_available_status_transitions()]

    # --- lifecycle -----------------------------------------------------------------------------

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED, conditions=[_has_plans])
    def submit(self, *, at):
        self.submitted_at = at

    @transition(
        field=status, source=Status.SUBMITTED, target=Status.ASSESSMENT, conditions=[_is_not_standard]
    )
    def begin_assessment(self, *, at):
        pass

    @transition(field=status, source=Status.ASSESSMENT, target=Status.AWAITING_APPROVAL)
    def assess(self, *, at, by=None, note: str = ""):
        self.assessed_at = at
        self.assessed_by = by
        self.assessment_note = note

    @transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED, conditions=[_is_standard])
    def pre_approve(self, *, at):
        self.approved_at = at

    @transition(field=status, source=Status.AWAITING_APPROVAL, target=Status.APPROVED)
    def approve(self, *, at):
        self.approved_at = at

    @transition(field=status, source=Status.AWAITING_APPROVAL, target=Status.REJECTED)
    def reject(self, *, at, reason: str):
        self.rejected_at = at
        self.rejection_reason = reason

    @transition(field=status, source=Status.REJECTED, target=Status.DRAFT)
    def revise(self, *, at):
        """Rework a rejected change and submit it again (its earlier votes stay in the history)."""
        self.submitted_at = self.assessed_at = self.approved_at = self.rejected_at = None
        self.assessed_by = self.approval_policy = None
        self.risk_score, self.risk_level, self.risk_reasons, self.assessment_note = None, "", [], ""

    @transition(field=status, source=[Status.APPROVED, Status.SCHEDULED], target=Status.SCHEDULED)
    def schedule(self, *, at, override_reason: str = ""):
        self.scheduled_at = at
        self.freeze_override_reason = override_reason

    # An approved emergency change may be implemented at once, without scheduling.
    @transition(field=status, source=Status.SCHEDULED, target=Status.IMPLEMENTING)
    @transition(field=status, source=Status.APPROVED, target=Status.IMPLEMENTING, conditions=[_is_emergency])
    def start(self, *, at):
        self.started_at = at

    @transition(field=status, source=Status.IMPLEMENTING, target=Status.IMPLEMENTED)
    def complete(self, *, at, outcome: str, notes: str = ""):
        self.implemented_at = at
        self.outcome = outcome
        self.outcome_notes = notes

    @transition(field=status, source=Status.IMPLEMENTED, target=Status.IN_REVIEW)
    def review(self, *, at, by, notes: str, lessons: str, outcome: str = ""):
        self.reviewed_at = at
        self.reviewed_by = by
        self.review_notes = notes
        self.lessons = lessons
        if outcome:
            self.outcome = outcome

    # A standard change needs no review: it may close straight after implementation.
    @transition(field=status, source=Status.IN_REVIEW, target=Status.CLOSED)
    @transition(field=status, source=Status.IMPLEMENTED, target=Status.CLOSED, conditions=[_is_standard])
    def close(self, *, at):
        self.closed_at = at

    @transition(field=status, source=list(CANCELLABLE_STATUSES), target=Status.CANCELLED)
    def cancel(self, *, at):
        self.cancelled_at = at
