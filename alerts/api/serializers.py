from rest_framework import serializers

from alerts.models import Integration
from catalog.api.serializers import ServiceRefSerializer
from catalog.models import Service
from core.api.refs import IdOrNameField
from core.api.serializers import StrictInputSerializer, UserRefSerializer


class IntegrationSerializer(serializers.ModelSerializer):
    """An integration as managers read it: `url` is where the sender posts (Alertmanager), or the
    Events API base URL to give a PagerDuty client (events_v2, with `key` as its routing_key)."""

    service = ServiceRefSerializer(read_only=True)
    created_by = UserRefSerializer(allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id", "name", "kind", "service", "key", "url", "severity_map", "grouping", "auto_resolve",
            "rate_limit", "active", "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, integration: Integration) -> str:
        request = self.context.get("request")
        if integration.kind == Integration.Kind.ALERTMANAGER:
            path = f"/api/v1/integrations/{integration.key}/alertmanager/"
        else:
            path = "/events"
        return request.build_absolute_uri(path) if request else path


class IntegrationInputSerializer(StrictInputSerializer):
    # Types only: the service validates names, maps and limits, so API, admin and code agree.
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Integration.Kind.choices)
    service = IdOrNameField(
        name_field="slug",
        queryset=Service.objects.all(),
        help_text="A service's id (its slug is accepted too).",
    )
    severity_map = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        required=False,
        help_text='Severity → [impact, urgency] overriding the defaults {"critical": [1, 1], '
        '"error": [2, 1], "warning": [2, 2], "info": [3, 3]}; other severities map like info.',
    )
    grouping = serializers.ChoiceField(choices=Integration.Grouping.choices, required=False)
    auto_resolve = serializers.BooleanField(required=False)
    rate_limit = serializers.IntegerField(required=False, help_text="Requests a minute (default 600).")
    active = serializers.BooleanField(required=False)


class IntegrationUpdateSerializer(IntegrationInputSerializer):
    """Any subset of the fields but `kind`; `rotate_key: true` issues a new key (the old URL stops)."""

    rotate_key = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
        for field in self.fields.values():
            field.required = False
