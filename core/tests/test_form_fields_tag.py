"""`{% form_fields %}`: a blank form's fields are rendered once and reused; a bound form shows its own
values and errors every time."""

from django import forms
from django.template import Context, Template

from core.templatetags import form_fields as tag

PAGE = Template('{% load form_fields %}<form>{% form_fields form "incidents/_action_fields.html" %}</form>')


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}))


def render(form) -> str:
    return PAGE.render(Context({"form": form}))


def test_a_blank_form_renders_once_and_the_same_each_time(monkeypatch):
    monkeypatch.setattr(tag, "_blank", {})
    first = render(NoteForm())
    assert '<textarea name="note" cols="40" rows="3" required id="id_note">' in first
    assert len(tag._blank) == 1
    monkeypatch.setattr(tag, "render_to_string", lambda *args, **kwargs: "rendered again")
    assert render(NoteForm()) == first


def test_a_bound_or_prefilled_form_is_rendered_afresh(monkeypatch):
    monkeypatch.setattr(tag, "_blank", {})
    render(NoteForm())
    bound = render(NoteForm({"note": ""}))
    assert "This field is required." in bound
    assert "Rolled back" in render(NoteForm({"note": "Rolled back"}))
    assert "Try again" in render(NoteForm(initial={"note": "Try again"}))
    assert len(tag._blank) == 1
