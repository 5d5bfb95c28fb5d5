from django.db.models import Prefetch, QuerySet

from .models import ConfigurationItem, Service


def service_list() -> QuerySet[Service]:
    return Service.objects.select_related("owning_group")


def _neighbour_ids() -> QuerySet[ConfigurationItem]:
    return ConfigurationItem.objects.only("id").order_by("id")


def ci_list() -> QuerySet[ConfigurationItem]:
    """CIs with their service and the ids of their dependencies and dependents (3 queries a page)."""
    return ConfigurationItem.objects.select_related("service").prefetch_related(
        Prefetch("depends_on", queryset=_neighbour_ids()),
        Prefetch("dependents", queryset=_neighbour_ids()),
    )


def ci_ids() -> QuerySet[ConfigurationItem]:
    """CIs to look one up by id (nothing joined)."""
    return ConfigurationItem.objects.only("id")


def ci_detail(pk: int) -> ConfigurationItem:
    """One CI for its page: its service, and its dependencies and dependents with their services, by name."""
    neighbours = ConfigurationItem.objects.select_related("service").order_by("name", "id")
    return (
        ConfigurationItem.objects.select_related("service")
        .prefetch_related(
            Prefetch("depends_on", queryset=neighbours), Prefetch("dependents", queryset=neighbours)
        )
        .get(pk=pk)
    )
