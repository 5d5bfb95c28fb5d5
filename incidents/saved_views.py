"""Saved views of the incident queue: a person's named bookmarks of a filter and sort.

A saved view is only a name for a querystring; the queue's URL with that querystring is the view, so
sharing one means sharing its link (the person opening it needs no copy of the bookmark)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.http import QueryDict

from core.errors import InvalidInput
from core.validation import field_errors

MAX_PER_USER = 50  # the queue lists them all: a bound keeps the page small
QUERY_MAX_LENGTH = 2000


class SavedView(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=QUERY_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "incidents"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name_uniq")]

    def __str__(self) -> str:
        return self.name


def view_query(params: QueryDict, *, keys: frozenset[str]) -> str:
    """The part of a queue querystring a view keeps: its filters and sort (`keys`), not the page; in
    a stable order so the same view always has the same link."""
    pairs = [(key, value) for key in sorted(keys & set(params)) for value in params.getlist(key)]
    return urlencode(pairs)


def saved_view_save(*, owner, name: str, query: str) -> tuple[SavedView, bool]:
    """Save `query` as `owner`'s view `name` (the same name again replaces its query); returns the
    view and whether it is new."""
    with field_errors() as errors:
        name = errors.required_text("name", " ".join((name or "").split()), what="A name", max_length=80)
        errors.check(len(query) <= QUERY_MAX_LENGTH, "query", "These filters are too long to save.")
    with transaction.atomic():
        # Serialise one person's saves (the count below and the name's uniqueness hold together).
        get_user_model().objects.select_for_update().filter(pk=owner.pk).exists()
        view = SavedView.objects.filter(owner=owner, name=name).first()
        if view is None and SavedView.objects.filter(owner=owner).count() >= MAX_PER_USER:
            raise InvalidInput({"name": f"You have {MAX_PER_USER} saved views: delete one first."})
        if view is not None:
            view.query = query
            view.save(update_fields=["query", "updated_at"])
            return view, False
        return SavedView.objects.create(owner=owner, name=name, query=query), True


def saved_view_delete(*, owner, pk: int) -> SavedView | None:
    """Delete `owner`'s view `pk`; None when they have no such view (someone else's is not theirs)."""
    view = SavedView.objects.filter(owner=owner, pk=pk).first()
    if view is not None:
        view.delete()
    return view
