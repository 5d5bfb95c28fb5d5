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
