"""An email backend for the delivery tests: Django's locmem backend (mail.outbox), which also counts
the connections opened and fails as a test tells it to, the way an SMTP server would."""

from django.core.mail.backends import locmem


class ScriptedBackend(locmem.EmailBackend):
    """`opened`: connections opened; `refuse_open`: the server is unreachable (open raises);
    `failures`: recipient address → exception raised when a message to it is sent."""

    opened = 0
    refuse_open: Exception | None = None
    failures: dict[str, Exception] = {}

    @classmethod
    def reset(cls) -> None:
        cls.opened, cls.refuse_open, cls.failures = 0, None, {}

    def open(self):
        ScriptedBackend.opened += 1
        if ScriptedBackend.refuse_open is not None:
            raise ScriptedBackend.refuse_open
        return super().open()

    def send_messages(self, messages):
        for message in messages:
            error = ScriptedBackend.failures.get(message.to[0])
            if error is not None:
                raise error
        return super().send_messages(messages)
