"""The standard change catalogue: templates that pre-fill a pre-approved, routine change."""

from django.contrib.auth.models import Group
from django.db import models


class ChangeTemplate(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    title = models.CharField(max_length=200, help_text="The title a change from this template starts with.")
    implementation_plan = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    test_plan = models.TextField(blank=True)
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="+")
    cis = models.ManyToManyField("catalog.ConfigurationItem", blank=True, related_name="+")
    assignment_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChangeTemplateTask(models.Model):
    template = models.ForeignKey(ChangeTemplate, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    assignment_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="change_template_task_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"
