from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from core.events import ALL, registry

        from . import handlers

        registry.subscribe(handlers.notify_people, to=ALL, name="notifications.notify_people")
        registry.subscribe(handlers.send_webhooks, to=ALL, name="notifications.send_webhooks")
