from rest_framework import serializers

from audit.models import ACTIONS, AuditRecord
from audit.selectors import record_changes
from core.api.dates import InstantField
from core.api.serializers import StrictInputSerializer, UserRefSerializer


class AuditFilterSerializer(StrictInputSerializer):
    model = serializers.CharField(
        required=False,
        help_text="Audited model label, e.g. `catalog.service`, `sla.slapolicy`, `auth.user_groups`.",
    )
    object_id = serializers.CharField(required=False, max_length=64, help_text="The record's primary key.")
    actor = serializers.IntegerField(required=False, min_value=1, help_text="User id of who made the change.")
    since = InstantField(required=False, help_text="Changes at or after this instant (ISO 8601).")
    until = InstantField(required=False, help_text="Changes before this instant (ISO 8601).")

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError({"until": ["Must be after 'since'."]})
        return attrs


class AuditRecordSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="pgh_slug", help_text="Unique across all audited models.")
    at = serializers.DateTimeField(source="pgh_created_at")
    action = serializers.ChoiceField(source="pgh_label", choices=ACTIONS)
    model = serializers.CharField(source="pgh_obj_model", help_text="Label of the changed model.")
    object_id = serializers.CharField(source="pgh_obj_id", allow_null=True)
    actor = UserRefSerializer(allow_null=True, help_text="Who made the change (null: the system).")
    url = serializers.CharField(allow_null=True, help_text="The request path that made the change.")
    before = serializers.SerializerMethodField(help_text="Whole row on delete, changed fields on update.")
    after = serializers.SerializerMethodField(help_text="Whole row on create, changed fields on update.")

    class Meta:
        model = AuditRecord
        fields = ["id", "at", "action", "model", "object_id", "actor", "url", "before", "after"]
        read_only_fields = fields

    def get_before(self, record) -> dict | None:
        return record_changes(record)[0]

    def get_after(self, record) -> dict | None:
        return record_changes(record)[1]
