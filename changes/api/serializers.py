"""Input and output shapes of the change API: one output shape per record, one input serializer per
write (each transition action has its own, so the schema says exactly what each one takes)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import ServiceRefSerializer
from catalog.models import ConfigurationItem, Service
from changes import selectors
from changes.models import (
    Change,
    ChangeTask,
    ChangeTemplate,
    ChangeTemplateTask,
    ChangeType,
    Outcome,
    RiskLevel,
    RollbackComplexity,
    Testing,
)
from core.api.refs import UserField
from core.api.serializers import (
    NamedRefSerializer,
    StrictInputSerializer,
    UnsetAsNullChoiceField,
    UserRefSerializer,
)
from core.api.serializers import TimelineEntrySerializer as BaseTimelineEntrySerializer
from core.api.teams import TeamField
from core.priority import Priority

VERSION_HELP = "The version you last read (or send If-Match); a stale one gets 409."


def _version_field() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


def _user_field() -> UserField:
    """An active user by id (or username), optional, null to clear."""
    return UserField(required=False, allow_null=True)


def _group_field() -> TeamField:
    """A team by id (or name), optional, null to clear (role groups such as viewer are refused)."""
    return TeamField(required=False, allow_null=True)


def _services_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=Service.objects.all(), many=True, required=False)


def _cis_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), many=True, required=False
    )


class ChangeTaskSerializer(serializers.ModelSerializer):
    assignee = UserRefSerializer(allow_null=True)
    assignment_group = NamedRefSerializer(allow_null=True)

    class Meta:
        model = ChangeTask
        fields = [
            "id", "position", "title", "instructions", "assignee", "assignment_group", "planned_start",
            "planned_end", "status", "note", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class RollbackSerializer(serializers.Serializer):
    failed_tasks = ChangeTaskSerializer(many=True)
    rollback_plan = serializers.CharField()


class ChangeSerializer(serializers.ModelSerializer):
    """A change as every endpoint returns it."""

    services = ServiceRefSerializer(many=True)
    cis = NamedRefSerializer(many=True)
    requester = UserRefSerializer()
    implementer = UserRefSerializer(allow_null=True)
    assignment_group = NamedRefSerializer(allow_null=True)
    template = NamedRefSerializer(allow_null=True)
    approval_policy = NamedRefSerializer(allow_null=True)
    assessed_by = UserRefSerializer(allow_null=True)
    reviewed_by = UserRefSerializer(allow_null=True)
    risk_level = UnsetAsNullChoiceField(RiskLevel.choices, help_text="null until assessed.")
    risk_reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why the risk is what it is."
    )
    outcome = UnsetAsNullChoiceField(Outcome.choices, help_text="null until implemented.")
    tasks = ChangeTaskSerializer(many=True)
    allowed_transitions = serializers.SerializerMethodField()
    missing_plans = serializers.SerializerMethodField()
    needs_review = serializers.BooleanField(
        help_text="A post-implementation review is required before close."
    )
    rollback = serializers.SerializerMethodField(
        help_text="When a task failed: the failed tasks and the rollback plan to follow; else null."
    )

    class Meta:
        model = Change
        fields = [
            "id", "number", "type", "status", "title", "description", "justification", "implementation_plan",
            "rollback_plan", "test_plan", "priority", "planned_start", "planned_end", "services", "cis",
            "requester", "implementer", "assignment_group", "template", "outage_required",
            "rollback_complexity", "testing", "risk_score", "risk_level", "risk_reasons", "assessed_by",
            "assessment_note", "approval_policy", "rejection_reason", "freeze_override_reason", "outcome",
            "outcome_notes", "review_notes", "lessons", "reviewed_by", "created_at", "updated_at",
            "submitted_at", "assessed_at", "approved_at", "rejected_at", "scheduled_at", "started_at",
            "implemented_at", "reviewed_at", "closed_at", "cancelled_at", "version", "allowed_transitions",
            "missing_plans", "needs_review", "tasks", "rollback",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, change: Change) -> list[str]:
        return selectors.allowed_transitions(change)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_plans(self, change: Change) -> list[str]:
        return [] if change.type == ChangeType.STANDARD else change.missing_plans()

    @extend_schema_field(RollbackSerializer(allow_null=True))
    def get_rollback(self, change: Change) -> dict | None:
        failed = selectors.failed_tasks(change)
        if not failed:
            return None
        return {
            "failed_tasks": ChangeTaskSerializer(failed, many=True).data,
            "rollback_plan": change.rollback_plan,
        }


class _ChangeFieldsSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=ChangeType.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    justification = serializers.CharField(required=False, allow_blank=True)
    implementation_plan = serializers.CharField(required=False, allow_blank=True)
    rollback_plan = serializers.CharField(required=False, allow_blank=True)
    test_plan = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, help_text="1 (critical) to 4 (low)"
    )
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)
    services = _services_field()
    cis = _cis_field()
    implementer = _user_field()
    assignment_group = _group_field()
    outage_required = serializers.BooleanField(required=False, help_text="Risk questionnaire.")
    rollback_complexity = serializers.ChoiceField(
        choices=RollbackComplexity.choices, required=False, help_text="Risk questionnaire."
    )
    testing = serializers.ChoiceField(
        choices=Testing.choices, required=False, help_text="Risk questionnaire."
    )


class ChangeCreateSerializer(_ChangeFieldsSerializer):
    template = serializers.PrimaryKeyRelatedField(
        queryset=ChangeTemplate.objects.all(),
        required=False,
        allow_null=True,
        help_text="A standard change template: pre-fills the change (type standard) and its tasks.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False  # from a template, the template's title

    def validate(self, attrs):
        if not attrs.get("template") and not (attrs.get("title") or "").strip():
            raise serializers.ValidationError({"title": ["A title is required."]})
        return attrs


class ChangeUpdateSerializer(_ChangeFieldsSerializer):
    """Editable fields of a draft; the status changes only through the transition actions."""

    version = _version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False


class _TransitionInput(StrictInputSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Shown in the timeline."
    )
    version = _version_field()


class ChangeSubmitSerializer(_TransitionInput):
    """Submit a draft for assessment and approval."""


class ChangeAssessSerializer(_TransitionInput):
    note = serializers.CharField(help_text="What the assessment found: required.")


class ChangeStartSerializer(_TransitionInput):
    """Start implementing."""


class ChangeCompleteSerializer(_TransitionInput):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="", help_text="How it went.")


class ChangeReviewSerializer(StrictInputSerializer):
    notes = serializers.CharField(help_text="What happened, including the incidents the change caused.")
    lessons = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, required=False, help_text="Correct the outcome recorded at completion."
    )
    version = _version_field()


class ChangeCloseSerializer(_TransitionInput):
    """Close a reviewed change (a standard change straight after implementation)."""


class ChangeCancelSerializer(_TransitionInput):
    note = serializers.CharField(help_text="Why the change is cancelled: required.")


class ChangeReviseSerializer(_TransitionInput):
    """Take a rejected change back to draft."""


# --- tasks --------------------------------------------------------------------------------------


class ChangeTaskCreateSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = _user_field()
    assignment_group = _group_field()
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)


class ChangeTaskReorderSerializer(StrictInputSerializer):
    order = serializers.ListField(
        child=serializers.IntegerField(), help_text="Every task id, in the new order."
    )


class ChangeTaskStartSerializer(StrictInputSerializer):
    """Start working the task."""


class ChangeTaskFinishSerializer(StrictInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeTaskFailSerializer(StrictInputSerializer):
    note = serializers.CharField(help_text="What went wrong: required.")


class ChangeTaskSkipSerializer(StrictInputSerializer):
    note = serializers.CharField(help_text="Why it is skipped: required.")


# --- templates ----------------------------------------------------------------------------------


class ChangeTemplateTaskSerializer(serializers.ModelSerializer):
    assignment_group = NamedRefSerializer(allow_null=True)

    class Meta:
        model = ChangeTemplateTask
        fields = ["position", "title", "instructions", "assignment_group"]
        read_only_fields = fields


class ChangeTemplateSerializer(serializers.ModelSerializer):
    services = ServiceRefSerializer(many=True)
    cis = NamedRefSerializer(many=True)
    assignment_group = NamedRefSerializer(allow_null=True)
    tasks = ChangeTemplateTaskSerializer(many=True)

    class Meta:
        model = ChangeTemplate
        fields = [
            "id", "name", "description", "title", "implementation_plan", "rollback_plan", "test_plan",
            "services", "cis", "assignment_group", "active", "tasks",
        ]  # fmt: skip
        read_only_fields = fields


class ChangeTemplateTaskInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    assignment_group = _group_field()


class ChangeTemplateInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    implementation_plan = serializers.CharField(required=False, allow_blank=True)
    rollback_plan = serializers.CharField(required=False, allow_blank=True)
    test_plan = serializers.CharField(required=False, allow_blank=True)
    services = _services_field()
    cis = _cis_field()
    assignment_group = _group_field()
    active = serializers.BooleanField(required=False)
    tasks = ChangeTemplateTaskInputSerializer(many=True, required=False, help_text="The task list, in order.")


class TimelineEntrySerializer(BaseTimelineEntrySerializer):
    """One line of a change's history (a task's steps show as `field` "task <n>")."""

    class Meta(BaseTimelineEntrySerializer.Meta):
        fields = [name for name in BaseTimelineEntrySerializer.Meta.fields if name != "visibility"]
        read_only_fields = fields
        ref_name = "ChangeTimelineEntry"
