from rest_framework import serializers

from catalog.models import ConfigurationItem, Service


class ServiceSerializer(serializers.ModelSerializer):
    owning_group = serializers.SlugRelatedField(slug_field="name", read_only=True)
    criticality_display = serializers.CharField(source="get_criticality_display", read_only=True)

    class Meta:
        model = Service
        fields = ["id", "name", "slug", "description", "owning_group", "criticality", "criticality_display"]


class ConfigurationItemSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    depends_on = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ConfigurationItem
        fields = ["id", "name", "kind", "service", "depends_on"]
