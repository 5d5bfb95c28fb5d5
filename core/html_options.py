"""`<option>` lists written in Python: a template loop costs ~20 µs per option, and a page that offers
every service, person and group (the queue's filter panel and bulk bar) shows a hundred or more."""

from collections.abc import Collection, Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe


def option_tags(choices: Iterable[tuple[object, object]], selected: Collection[str] = ()) -> SafeString:
    """The `<option>`s of `choices` ((value, label) pairs), in their order; an option whose value (as
    text) is in `selected` is selected. Values and labels are escaped as Django's `escape` does."""
    return mark_safe(  # every value and label is escaped
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if str(value) in selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )
