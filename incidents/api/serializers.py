import functools

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import ServiceRefSerializer
from catalog.models import ConfigurationItem, Service
from core.api.refs import UserField
from core.api.serializers import (
    NamedRefSerializer,
    PlainRowsMixin,
    StrictInputSerializer,
    UnsetAsNullChoiceField,
    UserRefSerializer,
)
from core.api.teams import TeamField
from core.models import TimelineEntry
from incidents.models import HoldReason, Incident, Level, Priority, ResolutionCode, Source, Status
from sla.api.serializers import SlaClockSerializer
from sla.states import State


class ChoiceLabelField(serializers.CharField):
    """The label of a choice field's value, e.g. "P1 - Critical" for priority 1: a dict lookup
    (`source="get_priority_display"` would make DRF inspect the method's signature on every row)."""

    def __init__(self, choices, **kwargs):
        self.labels = {value: str(label) for value, label in choices}
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return self.labels.get(value, value)


@functools.cache
def _allowed_transitions(status: str) -> tuple[str, ...]:
    """The transitions the state machine offers from `status` (they depend on the status alone:
    no transition has conditions), worked out once per status rather than once per row."""
    return tuple(Incident(status=status).allowed_transitions())


HOLD_AND_CALLER_FIELDS = ("caller", "hold_reason", "hold_note", "resume_at")  # itil's fields


class IncidentSerializer(PlainRowsMixin, serializers.ModelSerializer):
    """An incident as every endpoint returns it (read through incidents.selectors.incident_rows())."""

    status_display = ChoiceLabelField(Status.choices, source="status")
    priority_display = ChoiceLabelField(Priority.choices, source="priority")
    service = ServiceRefSerializer()
    ci = NamedRefSerializer(allow_null=True)
    assignment_group = NamedRefSerializer(allow_null=True)
    assignee = UserRefSerializer(allow_null=True)
    reporter = UserRefSerializer()
    is_open = serializers.BooleanField()
    allowed_transitions = serializers.SerializerMethodField()
    sla = SlaClockSerializer(source="sla_clock_list", many=True)
    resolution_code = UnsetAsNullChoiceField(ResolutionCode.choices, help_text="null until resolved.")
    escalation_level = serializers.IntegerField(
        read_only=True, help_text="Last escalation level fired (0: none)."
    )
    next_escalation_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the next escalation level fires, if one is scheduled.",
    )
    # itil: the affected user and the hold's reason and resume-by time
    caller = UserRefSerializer(allow_null=True, help_text="The affected user; hears of public updates.")
    hold_reason = UnsetAsNullChoiceField(
        HoldReason.choices, help_text="Why it waits, while on hold; null otherwise."
    )
    hold_note = serializers.CharField(allow_blank=True, help_text="What it waits for (the hold's note).")
    resume_at = serializers.DateTimeField(
        allow_null=True, help_text="While on hold: when it resumes by itself (null: only by hand)."
    )

    class Meta:
        model = Incident
        fields = [
            "id", "number", "title", "description", "status", "status_display", "is_open",
            "priority", "priority_display", "impact", "urgency", "service", "ci",
            "assignment_group", "assignee", "reporter", "source", "resolution_code", "resolution_notes",
            "created_at", "updated_at", "acknowledged_at", "started_at", "on_hold_at", "resolved_at",
            "closed_at", "cancelled_at", "reopened_at", "version", "allowed_transitions", "sla",
            "escalation_level", "next_escalation_at", "detected_at",
            *HOLD_AND_CALLER_FIELDS,
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, incident: Incident) -> list[str]:
        return list(_allowed_transitions(incident.status))

    def to_representation(self, incident: Incident) -> dict:
        return self.finish(super().to_representation(incident), incident)

    @staticmethod
    def finish(data: dict, incident: Incident) -> dict:
        """What depends on the incident besides its fields: a withdrawn incident met nothing
        (sla/states.py), so its stopped clocks read "cancelled"."""
        if incident.status == Status.CANCELLED:
            for clock in data["sla"]:
                clock["state"] = State.CANCELLED if clock["state"] == State.MET else clock["state"]
        return data


class _IncidentFieldsSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    # with its owning team: a new incident goes to it (incidents.services), no second look-up
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.select_related("owning_group"))
    ci = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), required=False, allow_null=True
    )
    impact = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="1 high, 2 medium, 3 low"
    )
    urgency = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="1 high, 2 medium, 3 low"
    )
    assignment_group = TeamField(required=False, allow_null=True)
    assignee = UserField(required=False, allow_null=True)
    caller = UserField(
        required=False,
        allow_null=True,
        help_text="The affected user (who hears of public updates): an id, or a username.",
    )


class IncidentCreateSerializer(_IncidentFieldsSerializer):
    source = serializers.ChoiceField(
        choices=[Source.API, Source.ALERT],
        default=Source.API,
        help_text="Who files it: a tool (api) or an alert.",
    )


class IncidentUpdateSerializer(_IncidentFieldsSerializer):
    """Editable fields only; the status changes only through the transition actions."""

    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you last read; a stale one gets 409."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "service"):
            self.fields[name].required = False


class TransitionSerializer(StrictInputSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Shown in the timeline."
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you last read; a stale one gets 409."
    )


class NoteRequiredTransitionSerializer(TransitionSerializer):
    note = serializers.CharField(help_text="Why: required, shown in the timeline.")


class EscalateSerializer(StrictInputSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Shown in the timeline."
    )
    level = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The escalation level you saw; if it moved meanwhile, 409. Required unless the request "
        "has an Idempotency-Key header: either way a retried request cannot fire a further level.",
    )


class ResolveSerializer(TransitionSerializer):
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices)
    resolution_notes = serializers.CharField(help_text="How it was resolved.")


class CommentCreateSerializer(StrictInputSerializer):
    body = serializers.CharField()
    visibility = serializers.ChoiceField(
        choices=TimelineEntry.Visibility.choices, default=TimelineEntry.Visibility.PUBLIC
    )


class HoldSerializer(TransitionSerializer):
    """Putting on hold: why (required; "other" needs the note) and optionally when to resume by itself."""

    hold_reason = serializers.ChoiceField(
        choices=HoldReason.choices, help_text="What the incident waits for."
    )
    resume_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When it resumes by itself (ISO 8601, in the future); null or absent: only by hand.",
    )


class WatcherAddSerializer(StrictInputSerializer):
    """Whom to add to an incident's watchers: yourself unless `user` names someone else (that takes the
    right to edit incidents, and they need an OpsDesk role)."""

    user = UserField(
        required=False,
        help_text="The user to add, by id (a username is accepted too); without it, you.",
    )
