"""Output of GET /api/v1/metrics/sla/: the figures of `reports.metrics.SlaMetrics`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import NamedRefSerializer
from reports.metrics import TARGET_LABELS


@extend_schema_field(OpenApiTypes.DOUBLE)
class SecondsField(serializers.Field):
    """A duration as seconds (float)."""

    def to_representation(self, value):
        return value.total_seconds()


class ComplianceSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    percent = serializers.FloatField(
        allow_null=True,
        help_text="met / (met + breached) × 100, one decimal; null when nothing is known yet.",
    )


class DurationStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Incidents the figure is computed over.")
    mean_seconds = SecondsField(source="mean", allow_null=True)
    p50_seconds = SecondsField(source="p50", allow_null=True, help_text="Median (percentile_cont 0.5).")
    p90_seconds = SecondsField(
        source="p90", allow_null=True, help_text="90th percentile (percentile_cont 0.9)."
    )


class PriorityFiguresSerializer(serializers.Serializer):
    priority = serializers.IntegerField(allow_null=True, help_text="1–4; null for the overall row.")
    label = serializers.CharField()
    incidents = serializers.IntegerField(
        help_text="Incidents created in the period (cancelled ones left out)."
    )
    response = ComplianceSerializer()
    resolution = ComplianceSerializer()
    mtta = DurationStatsSerializer(help_text="Time to acknowledge (acknowledged_at − created_at).")
    mttr = DurationStatsSerializer(help_text="Time to resolve (resolved_at − created_at).")


class ClockItemSerializer(serializers.Serializer):
    incident_id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    priority = serializers.IntegerField()
    target = serializers.ChoiceField(choices=list(TARGET_LABELS.items()))
    url = serializers.CharField(help_text="The incident's page.")


class BreachSerializer(ClockItemSerializer):
    breached_at = serializers.DateTimeField()


class AtRiskSerializer(ClockItemSerializer):
    at_risk_at = serializers.DateTimeField(help_text="When 75 % of the target was reached.")
    due_at = serializers.DateTimeField(help_text="When it breaches.")


class AgeBucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class BacklogRowSerializer(serializers.Serializer):
    priority = serializers.IntegerField(allow_null=True, help_text="1–4; null for the total row.")
    label = serializers.CharField()
    counts = serializers.DictField(
        source="by_bucket", child=serializers.IntegerField(), help_text="Age bucket key → open incidents."
    )
    total = serializers.IntegerField()


class BacklogSerializer(serializers.Serializer):
    buckets = AgeBucketSerializer(many=True)
    rows = BacklogRowSerializer(many=True, source="backlog")


class WeekSerializer(serializers.Serializer):
    week = serializers.CharField(source="label", help_text="ISO week, e.g. 2026-W45.")
    start = serializers.DateField(help_text="Its Monday.")
    incidents = serializers.IntegerField()
    resolution = ComplianceSerializer()


class PeriodSerializer(serializers.Serializer):
    from_ = serializers.DateField(source="first_day", help_text="First day (inclusive).")
    to = serializers.DateField(source="last_day", help_text="Last day (inclusive).")
    start = serializers.DateTimeField(help_text="Start instant (inclusive).")
    end = serializers.DateTimeField(help_text="End instant (exclusive).")
    service = NamedRefSerializer(allow_null=True)
    now = serializers.DateTimeField(help_text="The instant the figures were computed at.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class PageInfoSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="This page, from 1.")
    page_size = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Rows in the whole list.")
    pages = serializers.IntegerField()


class SlaMetricsSerializer(serializers.Serializer):
    period = PeriodSerializer(source="*")
    priorities = PriorityFiguresSerializer(many=True, help_text="P1, P2, P3, P4, then overall.")
    breaches = BreachSerializer(
        many=True,
        help_text="One page (`breaches_page`) of the breached clocks counted in `priorities`, latest first.",
    )
    breaches_page = PageInfoSerializer(source="breaches")
    at_risk = AtRiskSerializer(
        many=True,
        help_text="One page (`at_risk_page`) of the running clocks of open incidents past 75 %, soonest first.",
    )
    at_risk_page = PageInfoSerializer(source="at_risk")
    backlog = BacklogSerializer(source="*")
    weekly = WeekSerializer(many=True)
