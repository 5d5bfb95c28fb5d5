from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one error shape every endpoint answers with."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field name → messages (400 only).",
    )
    current_status = serializers.CharField(required=False, help_text="409 only.")
    allowed_transitions = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="409 only."
    )
    current_version = serializers.IntegerField(required=False, help_text="409 on a stale version only.")


class StrictInputSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not know (a silently dropped field is lost input)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [f"Unknown or read-only field. Writable fields: {', '.join(sorted(writable))}."]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
