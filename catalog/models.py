"""Services and the configuration items (CIs) they run on; every process points at them."""

from django.contrib.auth.models import Group
from django.db import models


class Criticality(models.IntegerChoices):
    CRITICAL = 1, "Critical"
    HIGH = 2, "High"
    MEDIUM = 3, "Medium"
    LOW = 4, "Low"


class Service(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    owning_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    criticality = models.PositiveSmallIntegerField(choices=Criticality.choices, default=Criticality.MEDIUM)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConfigurationItem(models.Model):
    class Kind(models.TextChoices):
        SERVER = "server", "Server"
        VIRTUAL_MACHINE = "vm", "Virtual machine"
        CONTAINER = "container", "Container"
        DATABASE = "database", "Database"
        APPLICATION = "application", "Application"
        NETWORK = "network", "Network device"
        STORAGE = "storage", "Storage"
        CLOUD_SERVICE = "cloud_service", "Cloud service"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.SERVER)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cis")
    depends_on = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="dependents")

    class Meta:
        ordering = ["name"]
        verbose_name = "configuration item"
        indexes = [models.Index(fields=["kind", "name"], name="catalog_ci_kind_name")]  # ?kind= by name

    def __str__(self) -> str:
        return self.name
