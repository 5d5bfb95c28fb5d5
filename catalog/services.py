"""Every write to the service catalog: services and configuration items (audited, managers only)."""

from collections.abc import Iterable

from core.config import config_create, config_delete, config_update

from .models import ConfigurationItem, Service


def service_create(*, actor, **fields) -> Service:
    """Fields: name, slug, description, owning_group, criticality."""
    return config_create(Service, actor=actor, **fields)


def service_update(*, service: Service, actor, **fields) -> Service:
    return config_update(service, actor=actor, **fields)


def service_delete(*, service: Service, actor) -> None:
    """Refused (409) while configuration items or records still point at the service."""
    config_delete(service, actor=actor)


def ci_create(*, actor, depends_on: Iterable[ConfigurationItem] = (), **fields) -> ConfigurationItem:
    """Fields: name, kind, service; `depends_on`: the CIs this one needs."""
    return config_create(ConfigurationItem, actor=actor, depends_on=depends_on, **fields)


def ci_update(*, ci: ConfigurationItem, actor, **fields) -> ConfigurationItem:
    return config_update(ci, actor=actor, **fields)


def ci_delete(*, ci: ConfigurationItem, actor) -> None:
    config_delete(ci, actor=actor)
