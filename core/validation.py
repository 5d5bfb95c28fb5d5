"""One way to report bad input: collect field messages, then raise one InvalidInput (400 with
`fields` in the API, messages next to the fields in forms).

    with field_errors() as errors:
        if not title.strip():
            errors.add("title", "A title is required.")
        errors.check(impact in Level.values, "impact", "Impact must be 1, 2 or 3.")
    # here every check passed; otherwise InvalidInput({"title": [...], ...}) was raised
"""

from contextlib import contextmanager

from django import forms

from core.errors import InvalidInput


class FieldErrors:
    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def check(self, condition: object, field: str, message: str) -> bool:
        """Record `message` for `field` unless `condition` holds; returns whether it held."""
        if not condition:
            self.add(field, message)
        return bool(condition)

    def required_text(self, field: str, value: str, *, what: str, max_length: int) -> str:
        """`value` stripped; records "<what> is required." when that is empty, "At most <max_length>
        characters." when it is longer."""
        text = value.strip()
        if not text:
            self.add(field, f"{what} is required.")
        elif len(text) > max_length:
            self.add(field, f"At most {max_length} characters.")
        return text

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            raise InvalidInput(self.fields)


@contextmanager
def field_errors():
    """Collect field errors in the block; raise InvalidInput at its end if there are any."""
    errors = FieldErrors()
    yield errors
    errors.raise_if_any()


def add_form_errors(form: forms.BaseForm, error: InvalidInput) -> None:
    """Show a service's InvalidInput on a form: each message next to its field (or at the top)."""
    for name, messages in error.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
