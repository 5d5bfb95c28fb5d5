"""`manage.py event_types`: the registered event types as the Markdown table of the README."""

from django.core.management.base import BaseCommand

from core.events import Field, registry


def _field(field: Field) -> str:
    return f"`{field.name}`{'?' if field.nullable else ''}"


def event_types_markdown() -> str:
    """One row per type; object fields shared by several types are spelled out once below."""
    lines = ["| type | version | when | payload |", "|---|---|---|---|"]
    objects: dict[str, Field] = {}
    for event_type in registry.types():
        fields = ", ".join(_field(field) for field in event_type.fields)
        lines.append(f"| `{event_type.name}` | {event_type.version} | {event_type.description} | {fields} |")
        objects.update({field.name: field for field in event_type.fields if field.fields})
    lines.append("")
    for name, field in sorted(objects.items()):
        keys = ", ".join(f"{_field(key)} ({key.type})" for key in field.fields)
        lines.append(f"`{name}`: {keys}. `?` marks a value that may be null.")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the registered event types as Markdown (the README's Events section)."

    def handle(self, *args, **options):
        self.stdout.write(event_types_markdown(), ending="")
