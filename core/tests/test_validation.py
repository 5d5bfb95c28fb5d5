"""core/validation.py: collect field messages, raise one InvalidInput, show it on a form."""

import pytest
from django import forms

from core.errors import InvalidInput
from core.validation import add_form_errors, field_errors


def test_collects_every_message_then_raises_once():
    with pytest.raises(InvalidInput) as raised, field_errors() as errors:
        errors.add("title", "A title is required.")
        assert errors.check(1 + 1 == 2, "impact", "never shown")
        assert not errors.check("", "title", "Not blank.")
        errors.add("service", "A service is required.")
    assert raised.value.fields == {
        "title": ["A title is required.", "Not blank."],
        "service": ["A service is required."],
    }


def test_no_messages_no_error():
    with field_errors() as errors:
        errors.check(True, "title", "never shown")
    assert not errors


def test_an_error_shows_next_to_its_field_or_on_top():
    class TitleForm(forms.Form):
        title = forms.CharField()

    form = TitleForm({"title": "x"})
    assert form.is_valid()
    add_form_errors(form, InvalidInput({"title": "Taken.", "elsewhere": ["Broken."]}))
    assert form.errors == {"title": ["Taken."], "__all__": ["Broken."]}
