"""SLA policies: per process and priority, optionally per service, each with targets defined as data
(a duration and the transitions that start, pause, resume and stop its clock)."""

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.priority import Priority
from core.processes import validate_process

from .calendars import Calendar


def _actions(help_text: str) -> ArrayField:
    return ArrayField(models.CharField(max_length=32), default=list, blank=True, help_text=help_text)


class SlaPolicy(models.Model):
    """The targets of one process for a priority, optionally per service. A service-specific policy
    wins over the default one (service empty) of the same process and priority."""

    name = models.CharField(max_length=120)
    process = models.CharField(
        max_length=32, validators=[validate_process], help_text="The process whose records it times."
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text="Empty: 24×7.",
    )

    class Meta:
        ordering = ["process", "priority", "service__name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["process", "priority", "service"], name="sla_policy_per_process_service_priority"
            ),
            models.UniqueConstraint(
                fields=["process", "priority"],
                condition=Q(service__isnull=True),
                name="sla_default_policy_per_process_priority",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """One clock a policy runs on each record, e.g. response or resolution. The action lists name
    the process's transitions ("create" is filing the record). Start begins a fresh clock (if none
    runs), pause keeps the elapsed time, resume runs on from it (also after a stop), stop ends it."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    name = models.SlugField(max_length=32, help_text="e.g. response, resolution.")
    duration = models.DurationField(help_text="e.g. 00:15:00 (business time on the policy's calendar).")
    position = models.PositiveSmallIntegerField(default=0, help_text="Display order.")
    start_on = _actions("Transitions that start the clock, e.g. create.")
    pause_on = _actions("Transitions that pause it, e.g. hold.")
    resume_on = _actions("Transitions that run it on, keeping the elapsed time, e.g. resume, reopen.")
    stop_on = _actions("Transitions that stop it, e.g. resolve, cancel.")

    class Meta:
        ordering = ["policy_id", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "name"], name="sla_target_name_per_policy"),
            models.CheckConstraint(
                condition=Q(duration__gt=timedelta(0)), name="sla_target_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.name} {self.duration}"

    @property
    def label(self) -> str:
        return target_label(self.name)

    @property
    def rules(self) -> dict[str, list[str]]:
        """What the clock does on each transition (stored on the clock when it starts)."""
        return {"pause": list(self.pause_on), "resume": list(self.resume_on), "stop": list(self.stop_on)}


def target_label(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").capitalize()
