"""Work orders: the ordered implementation tasks of a change (ChangeTask)."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition


class TaskStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


UNFINISHED_TASK_STATUSES = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


class ChangeTask(models.Model):
    change = models.ForeignKey("changes.Change", on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_tasks",
    )
    assignment_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="change_tasks"
    )
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    status = FSMField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING, protected=True)
    note = models.TextField(blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["change", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "position"], name="change_task_position_unique"),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=models.F("planned_start")),
                name="change_task_window_ends_after_start",
                violation_error_message="The planned end must be after the planned start.",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status"], name="change_task_assignee_idx"),
            models.Index(fields=["assignment_group", "status"], name="change_task_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def allowed_transitions(self) -> list[str]:
        return [t.name for t in self.get_available_status_transitions()]

    @transition(field=status, source=TaskStatus.PENDING, target=TaskStatus.IN_PROGRESS)
    def start(self, *, at):
        self.started_at = at

    @transition(field=status, source=TaskStatus.IN_PROGRESS, target=TaskStatus.DONE)
    def finish(self, *, at, note: str = ""):
        self.finished_at, self.note = at, note

    @transition(field=status, source=TaskStatus.IN_PROGRESS, target=TaskStatus.FAILED)
    def fail(self, *, at, note: str):
        self.finished_at, self.note = at, note

    @transition(field=status, source=TaskStatus.PENDING, target=TaskStatus.SKIPPED)
    def skip(self, *, at, note: str):
        self.finished_at, self.note = at, note
