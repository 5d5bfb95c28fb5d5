from rest_framework import serializers

from catalog.models import Service
from core.api.serializers import StrictInputSerializer
from core.priority import Priority
from sla.models import Calendar, EscalationLevel, EscalationPolicy, SlaPolicy


class SlaPolicySerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    calendar = serializers.SlugRelatedField(slug_field="name", read_only=True)
    priority_display = serializers.CharField(source="get_priority_display", read_only=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "priority", "priority_display", "service", "response_target", "resolution_target", "calendar",
        ]  # fmt: skip
        read_only_fields = fields


class SlaPolicyInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=120)
    priority = serializers.ChoiceField(choices=Priority.choices)
    service = serializers.SlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True
    )
    response_target = serializers.DurationField(help_text="e.g. 00:15:00")
    resolution_target = serializers.DurationField(help_text="e.g. 04:00:00")
    calendar = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Calendar.objects.all(),
        required=False,
        allow_null=True,
        help_text="Empty: 24×7.",
    )


class EscalationLevelSerializer(serializers.ModelSerializer):
    notify_users = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    notify_group = serializers.SlugRelatedField(slug_field="name", read_only=True)
    reassign_to_group = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = EscalationLevel
        fields = [
            "number", "trigger", "after", "notify_users", "notify_group", "notify_assignment_group",
            "notify_group_lead", "notify_managers", "reassign_to_group", "raise_to_next_group", "raise_priority",
        ]  # fmt: skip
        read_only_fields = fields


class EscalationPolicySerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    calendar = serializers.SlugRelatedField(
        slug_field="name", read_only=True, help_text="Levels count working time on it; null: 24×7."
    )
    levels = EscalationLevelSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationPolicy
        fields = ["id", "name", "process", "priority", "service", "calendar", "active", "levels"]
        read_only_fields = fields
