from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_actor
from core.errors import InvalidInput
from core.permissions import require
from core.processes import CREATE, default_process, get_process

from .bounds import duration_too_long
from .engine import adapter_for_process
from .models import SlaPolicy, SlaTarget
from .permissions import MANAGE_POLICIES

# --- SLA policies and their targets ----------------------------------------------------------------

ACTION_FIELDS = ("start_on", "pause_on", "resume_on", "stop_on")


def sla_target_spec(*, process: str, spec: dict) -> dict:
    """A target as given (name, duration, and any of the action lists), completed from the
    process's template of the same name (e.g. a `response` target); without a template a
    target starts when the record is filed and has no other transitions."""
    adapter = adapter_for_process(process)
    template = (adapter.target_templates if adapter else {}).get(spec.get("name"), {})
    defaults = {"start_on": [CREATE], **{field: [] for field in ACTION_FIELDS[1:]}, **template}
    given = {key: value for key, value in spec.items() if value is not None}
    return {**{field: list(defaults[field]) for field in ACTION_FIELDS}, **given}


def sla_target_errors(*, process: str, spec: dict) -> list[str]:
    """What is wrong with one (completed) target, in words that name it."""
    name, errors = spec.get("name") or "?", []
    duration = spec.get("duration")
    if duration is None or duration <= timedelta(0):
        errors.append(f"{name}: the duration must be longer than zero.")
    elif too_long := duration_too_long(duration):
        errors.append(f"{name}: the duration is too long. {too_long}")
    try:
        known = get_process(process).actions
    except ValidationError:
        return errors
    seen: dict[str, str] = {}
    for field in ACTION_FIELDS:
        for action in spec.get(field) or []:
            if action not in known or (action == CREATE and field != "start_on"):
                allowed = known if field == "start_on" else known[1:]
                errors.append(f"{name}: '{action}' in {field} is not one of {', '.join(allowed)}.")
            elif action in seen and seen[action] != field:
                errors.append(f"{name}: '{action}' is in both {seen[action]} and {field}.")
            seen.setdefault(action, field)
    if not spec.get("start_on"):
        errors.append(f"{name}: start_on needs at least one transition (e.g. {CREATE}).")
    return errors


def _check_policy(*, process: str, priority: int, service, targets: list[dict], exclude_pk=None) -> None:
    errors: dict[str, list[str]] = {}
    try:
        get_process(process)
    except ValidationError as exc:
        errors["process"] = exc.messages
    clash = SlaPolicy.objects.filter(process=process, priority=priority, service=service).exclude(
        pk=exclude_pk
    )
    if "process" not in errors and clash.exists():
        scope = f"service '{service}'" if service else "the default (all services)"
        errors["priority"] = [f"{scope} already has a {process} policy for P{priority}."]
    target_errors = [error for spec in targets for error in sla_target_errors(process=process, spec=spec)]
    names = [spec.get("name") for spec in targets]
    if not targets:
        target_errors.append("A policy needs at least one target.")
    target_errors += [
        f"{name}: the name is used twice." for name in sorted(set(names)) if names.count(name) > 1
    ]
    if target_errors:
        errors["targets"] = target_errors
    if errors:
        raise InvalidInput(errors)


def _save_targets(policy: SlaPolicy, targets: list[dict]) -> None:
    """Make the policy's targets exactly `targets` (matched by name)."""
    existing = {target.name: target for target in policy.targets.all()}
    for position, spec in enumerate(targets):
        target = existing.pop(spec["name"], None) or SlaTarget(policy=policy, name=spec["name"])
        target.duration, target.position = spec["duration"], position
        for field in ACTION_FIELDS:
            setattr(target, field, list(spec[field]))
        target.save()
    SlaTarget.objects.filter(pk__in=[target.pk for target in existing.values()]).delete()


def sla_target_specs(policy: SlaPolicy) -> list[dict]:
    """The policy's targets as specs (for an update that changes one of them)."""
    return [
        {
            "name": t.name,
            "duration": t.duration,
            **{field: list(getattr(t, field)) for field in ACTION_FIELDS},
        }
        for t in policy.targets.all()
    ]


def sla_policy_create(
    *, actor, name: str, priority: int, targets: list[dict], process: str | None = None, service=None,
    calendar=None,
) -> SlaPolicy:  # fmt: skip
    """A new policy; it applies to records filed (or re-prioritised) from now on. `targets`: dicts
    with name and duration, and optionally start_on, pause_on, resume_on, stop_on."""
    require(actor, MANAGE_POLICIES)
    process = process or getattr(default_process(), "key", "")
    targets = [sla_target_spec(process=process, spec=spec) for spec in targets]
    with transaction.atomic(), audit_actor(actor):
        _check_policy(process=process, priority=priority, service=service, targets=targets)
        policy = SlaPolicy.objects.create(
            name=name, process=process, priority=priority, service=service, calendar=calendar
        )
        _save_targets(policy, targets)
    return policy


def sla_policy_update(*, policy: SlaPolicy, actor, targets: list[dict] | None = None, **fields) -> SlaPolicy:
    """Change the policy's fields and, if given, replace its targets. Clocks already running keep
    their duration and transitions until the record is re-targeted."""
    require(actor, MANAGE_POLICIES)
    with transaction.atomic(), audit_actor(actor):
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        for name, value in fields.items():
            setattr(policy, name, value)
        specs = targets if targets is not None else sla_target_specs(policy)
        specs = [sla_target_spec(process=policy.process, spec=spec) for spec in specs]
        _check_policy(
            process=policy.process, priority=policy.priority, service=policy.service, targets=specs,
            exclude_pk=policy.pk,
        )  # fmt: skip
        policy.save()
        if targets is not None:
            _save_targets(policy, specs)
    return policy


def sla_policy_delete(*, policy: SlaPolicy, actor) -> None:
    """Running clocks keep their targets (they carry a copy of the transitions they obey)."""
    require(actor, MANAGE_POLICIES)
    with transaction.atomic(), audit_actor(actor):
        policy.delete()
