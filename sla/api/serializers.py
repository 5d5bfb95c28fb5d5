from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import ServiceRefSerializer
from catalog.models import Service
from core.api.refs import IdOrNameField
from core.api.serializers import (
    IsoDurationField,
    NamedRefSerializer,
    StrictInputSerializer,
    UserRefSerializer,
    iso_duration,
)
from core.priority import Priority
from core.processes import get_process
from sla import clock as sla_clock
from sla.bounds import duration_too_long
from sla.models import Calendar, EscalationLevel, EscalationPolicy, SlaClock, SlaPolicy, SlaTarget


class SlaTargetSerializer(serializers.ModelSerializer):
    duration = IsoDurationField(read_only=True, help_text="ISO 8601, e.g. PT15M (business time).")

    class Meta:
        model = SlaTarget
        fields = ["name", "duration", "start_on", "pause_on", "resume_on", "stop_on"]
        read_only_fields = fields


class SlaPolicySerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(
        read_only=True, allow_null=True, help_text="null: the default for every service."
    )
    calendar = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="Targets count working time on it; null: 24×7.",
    )
    priority_display = serializers.CharField(source="get_priority_display", read_only=True)
    response_target = serializers.SerializerMethodField(help_text="The `response` target's duration, if any.")
    resolution_target = serializers.SerializerMethodField(
        help_text="The `resolution` target's duration, if any."
    )
    targets = SlaTargetSerializer(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "process", "priority", "priority_display", "service", "response_target",
            "resolution_target", "calendar", "targets",
        ]  # fmt: skip
        read_only_fields = fields

    @staticmethod
    def _duration(policy: SlaPolicy, name: str) -> str | None:
        target = next((t for t in policy.targets.all() if t.name == name), None)
        return iso_duration(target.duration) if target else None

    @extend_schema_field(IsoDurationField(allow_null=True))
    def get_response_target(self, policy) -> str | None:
        return self._duration(policy, "response")

    @extend_schema_field(IsoDurationField(allow_null=True))
    def get_resolution_target(self, policy) -> str | None:
        return self._duration(policy, "resolution")


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise serializers.ValidationError("Must be longer than zero.")
    if too_long := duration_too_long(value):
        raise serializers.ValidationError(too_long)
    return value


class SlaTargetInputSerializer(StrictInputSerializer):
    """One target; action lists left out come from the process's target of the same name (e.g. the
    response and resolution of the main process), else start_on is ["create"] and the rest empty."""

    name = serializers.SlugField(max_length=32)
    duration = serializers.DurationField(
        help_text="ISO 8601, e.g. PT15M; at most OPSDESK_MAX_DURATION_DAYS (365) days.",
        validators=[_positive],
    )
    start_on = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    pause_on = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    resume_on = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    stop_on = serializers.ListField(child=serializers.CharField(max_length=32), required=False)


class SlaPolicyInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=120)
    process = serializers.CharField(
        max_length=32, required=False, help_text="A registered process; default: the main one."
    )
    priority = serializers.ChoiceField(choices=Priority.choices)
    service = IdOrNameField(
        name_field="slug",
        queryset=Service.objects.all(),
        required=False,
        allow_null=True,
        help_text="A service's id (its slug is accepted too); null: the default for every service.",
    )
    response_target = serializers.DurationField(
        required=False,
        validators=[_positive],
        help_text="Shorthand for the `response` target, ISO 8601, e.g. PT15M",
    )
    resolution_target = serializers.DurationField(
        required=False,
        validators=[_positive],
        help_text="Shorthand for the `resolution` target, ISO 8601, e.g. PT4H",
    )
    targets = SlaTargetInputSerializer(many=True, required=False)
    calendar = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Calendar.objects.all(),
        required=False,
        allow_null=True,
        help_text="Empty: 24×7.",
    )

    def validate_process(self, value: str) -> str:
        try:
            get_process(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class EscalationLevelSerializer(serializers.ModelSerializer):
    notify_users = UserRefSerializer(many=True, read_only=True)
    notify_group = NamedRefSerializer(read_only=True, allow_null=True)
    reassign_to_group = NamedRefSerializer(read_only=True, allow_null=True)
    after = IsoDurationField(read_only=True, help_text="ISO 8601, e.g. PT30M.")

    class Meta:
        model = EscalationLevel
        fields = [
            "number", "trigger", "after", "notify_users", "notify_group", "notify_assignment_group",
            "notify_group_lead", "notify_managers", "reassign_to_group", "raise_to_next_group", "raise_priority",
        ]  # fmt: skip
        read_only_fields = fields


class EscalationPolicySerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(
        read_only=True, allow_null=True, help_text="null: the default for every service."
    )
    calendar = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="Levels count working time on it; null: 24×7.",
    )
    levels = EscalationLevelSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationPolicy
        fields = ["id", "name", "process", "priority", "service", "calendar", "active", "levels"]
        read_only_fields = fields


class SlaClockSerializer(serializers.ModelSerializer):
    """One SLA target's clock: state on_track | at_risk | breached | met | paused | cancelled (the
    record was cancelled before the target was breached)."""

    state = serializers.SerializerMethodField()
    target_duration = IsoDurationField(read_only=True, help_text="The target, ISO 8601 (e.g. PT4H).")
    remaining = serializers.SerializerMethodField(
        help_text="ISO 8601: wall-clock time to the breach while running (negative, e.g. -PT5M: overdue); "
        "business time left while paused; null once stopped."
    )

    class Meta:
        model = SlaClock
        fields = [
            "target", "state", "target_duration", "remaining", "due_at", "at_risk_at", "running_since",
            "stopped_at", "warned_50_at", "warned_75_at", "breached_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_state(self, clock) -> str:
        return sla_clock.state(clock, now=self.context.get("now") or timezone.now())

    @extend_schema_field(IsoDurationField(allow_null=True))
    def get_remaining(self, clock) -> str | None:
        left = sla_clock.remaining(clock, now=self.context.get("now") or timezone.now())
        return None if left is None else iso_duration(timedelta(seconds=int(left.total_seconds())))
