from rest_framework import serializers

from catalog import graph
from catalog.models import ConfigurationItem, Criticality, Service
from core.api.serializers import NamedRefSerializer


class ServiceRefSerializer(NamedRefSerializer):
    """A service wherever another record points at one (input takes its id)."""

    slug = serializers.CharField()


class ServiceSerializer(serializers.ModelSerializer):
    owning_group = NamedRefSerializer(read_only=True, allow_null=True)
    criticality_display = serializers.CharField(source="get_criticality_display", read_only=True)

    class Meta:
        model = Service
        fields = ["id", "name", "slug", "description", "owning_group", "criticality", "criticality_display"]


class ConfigurationItemSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)
    depends_on = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the CIs this one needs (it is affected when they fail)."
    )
    dependents = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the CIs that need this one (affected when it fails)."
    )

    class Meta:
        model = ConfigurationItem
        fields = ["id", "name", "kind", "service", "depends_on", "dependents"]


# Impact analysis (GET /api/v1/cis/{id}/impact/): the response is built from catalog.graph.Impact as
# plain dicts; these serializers describe it in the schema.


class ImpactQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=5000,
        default=500,
        help_text="How many affected CIs to list, nearest first (`ci_count` always counts them all).",
    )
    depth = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Follow at most this many hops (1: direct dependents only). Default and ceiling: the "
        "server's OPSDESK_CMDB_MAX_DEPTH (20 unless configured).",
    )

    def validate_depth(self, value: int) -> int:
        ceiling = graph.max_depth()
        if value > ceiling:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {ceiling}.")
        return value


class ImpactCISerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(
        help_text="The CI's kind, as `kind` of /api/v1/cis/ (`server`, `database`...)."
    )
    service = serializers.IntegerField(help_text="Id of the CI's service (see `services`).")
    depth = serializers.IntegerField(help_text="Fewest hops from the analysed CI (0: the CI itself).")
    via = serializers.IntegerField(
        allow_null=True,
        help_text="The CI one hop closer to the analysed CI on a shortest path (its dependency that "
        "brings the impact here); null for the analysed CI.",
    )


class ImpactServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    criticality = serializers.ChoiceField(choices=Criticality.choices)
    criticality_display = serializers.CharField()
    depth = serializers.IntegerField(help_text="Fewest hops to one of its CIs (0: the analysed CI's own).")
    ci_count = serializers.IntegerField(help_text="How many of its CIs are affected (the analysed CI too).")


class ImpactSerializer(serializers.Serializer):
    ci = ImpactCISerializer(help_text="The analysed CI (depth 0).")
    max_depth = serializers.IntegerField(help_text="The number of hops followed.")
    truncated = serializers.BooleanField(
        help_text="The graph goes deeper than `max_depth`: CIs beyond it are neither listed nor counted."
    )
    ci_count = serializers.IntegerField(help_text="Every CI affected, transitively (not the analysed one).")
    highest_criticality = serializers.IntegerField(
        allow_null=True,
        help_text="The `criticality` of the most critical affected service (1 critical ... 4 low).",
    )
    cis = ImpactCISerializer(
        many=True, help_text="The affected CIs, nearest first then by name; the first `limit` of them."
    )
    services = ImpactServiceSerializer(
        many=True, help_text="Every affected service (the analysed CI's own too), most critical first."
    )
