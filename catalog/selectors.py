from django.db.models import QuerySet

from .models import ConfigurationItem, Service


def service_list() -> QuerySet[Service]:
    return Service.objects.select_related("owning_group")


def ci_list() -> QuerySet[ConfigurationItem]:
    return ConfigurationItem.objects.select_related("service").prefetch_related("depends_on")
