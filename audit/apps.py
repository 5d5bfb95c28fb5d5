from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit of configuration"

    def ready(self):
        from .baseline import record_baselines

        # After pgtrigger's own post_migrate handler has installed the triggers (it is earlier in
        # INSTALLED_APPS): snapshot rows that exist without history, e.g. data-migration defaults.
        post_migrate.connect(record_baselines, sender=self)
