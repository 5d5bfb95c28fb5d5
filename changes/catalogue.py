"""The standard change catalogue: writes to change templates and their task lists. Configuration: written
by managers and change managers through core.config's audited write path, like the rest of OpsDesk's
configuration (a change filed from a template is changes.services.change_create)."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from core.audit import audit_actor
from core.config import config_create, config_delete, config_update
from core.permissions import require
from core.validation import field_errors

from . import permissions
from .models import ChangeTemplate, ChangeTemplateTask


def _check(actor) -> None:
    require(actor, permissions.MANAGE_TEMPLATES)


def _set_tasks(template: ChangeTemplate, tasks: Iterable[dict], *, actor) -> None:
    """Replace the template's task list by `tasks` ({title, instructions?, assignment_group?}), in order."""
    tasks = list(tasks)
    with field_errors() as errors:
        for index, task in enumerate(tasks):
            errors.check((task.get("title") or "").strip(), f"tasks[{index}].title", "A task needs a title.")
    with audit_actor(actor):
        template.tasks.all().delete()
        ChangeTemplateTask.objects.bulk_create(
            ChangeTemplateTask(
                template=template,
                position=position,
                title=task["title"].strip(),
                instructions=task.get("instructions", ""),
                assignment_group=task.get("assignment_group"),
            )
            for position, task in enumerate(tasks, start=1)
        )


def template_create(*, actor, tasks: Iterable[dict] = (), **fields) -> ChangeTemplate:
    """Fields: name, description, title, implementation_plan, rollback_plan, test_plan, services, cis,
    assignment_group, active; `tasks`: the task list, in order."""
    with transaction.atomic():
        template = config_create(ChangeTemplate, actor=actor, check=_check, **fields)
        _set_tasks(template, tasks, actor=actor)
    return template


def template_update(
    *, template: ChangeTemplate, actor, tasks: Iterable[dict] | None = None, **fields
) -> ChangeTemplate:
    """Change the given fields; `tasks` (if given) replaces the whole task list."""
    with transaction.atomic():
        template = config_update(template, actor=actor, check=_check, **fields)
        if tasks is not None:
            _set_tasks(template, tasks, actor=actor)
    return template


def template_delete(*, template: ChangeTemplate, actor) -> None:
    """Changes filed from the template keep their copy of it (the link is cleared)."""
    config_delete(template, actor=actor, check=_check)


def template_list() -> QuerySet[ChangeTemplate]:
    return ChangeTemplate.objects.select_related("assignment_group").prefetch_related(
        "services", "cis", "tasks__assignment_group"
    )


def template_task_create(*, actor, **fields) -> ChangeTemplateTask:
    """Fields: template, position, title, instructions, assignment_group (one row of the task list)."""
    return config_create(ChangeTemplateTask, actor=actor, check=_check, **fields)


def template_task_update(*, task: ChangeTemplateTask, actor, **fields) -> ChangeTemplateTask:
    return config_update(task, actor=actor, check=_check, **fields)


def template_task_delete(*, task: ChangeTemplateTask, actor) -> None:
    config_delete(task, actor=actor, check=_check)
