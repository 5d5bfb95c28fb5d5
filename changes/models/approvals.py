"""Change advisory board approval: the policy a change is approved under, and each member's vote."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import roles

from .change import ChangeType

CAB_ROLES = roles.CAB_ROLES
CAB_ROLE_CHOICES = [(role, role.replace("_", " ").capitalize()) for role in CAB_ROLES]


class ApprovalMode(models.TextChoices):
    ALL = "all", "Every listed role approves"
    N_OF_M = "n_of_m", "N of the listed roles approve"
    ANY = "any", "Any one listed role approves"


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class ApprovalPolicy(models.Model):
    """Which CAB roles must approve a change of a type, and how many of them. One active policy per
    type is the default; a change keeps the policy it was sent for approval under."""

    name = models.CharField(max_length=120, unique=True)
    change_type = models.CharField(max_length=16, choices=ChangeType.choices, default=ChangeType.NORMAL)
    roles = ArrayField(models.CharField(max_length=32, choices=CAB_ROLE_CHOICES), default=list)
    mode = models.CharField(max_length=16, choices=ApprovalMode.choices, default=ApprovalMode.ALL)
    required = models.PositiveSmallIntegerField(
        default=1, help_text="For 'N of M': how many of the listed roles must approve."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["change_type", "name"]
        verbose_name_plural = "approval policies"
        constraints = [
            models.UniqueConstraint(
                fields=["change_type"], condition=Q(active=True), name="one_active_approval_policy_per_type"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ChangeApproval(models.Model):
    """One CAB member's vote on one change, cast in one of their CAB roles. Append-only: a vote is
    never edited; the change's status says what the votes decided."""

    change = models.ForeignKey("changes.Change", on_delete=models.CASCADE, related_name="approvals")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, choices=CAB_ROLE_CHOICES)
    decision = models.CharField(max_length=16, choices=ApprovalDecision.choices)
    comment = models.TextField(blank=True)
    # Which round of approval (a rejected change revised and submitted again votes afresh).
    round = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "round", "voter"], name="one_vote_per_voter_and_round"),
            models.UniqueConstraint(fields=["change", "round", "role"], name="one_vote_per_role_and_round"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.voter} as {self.role}"
