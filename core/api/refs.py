"""How the API's input names people and groups: by id, like services and configuration items; a
username (a group's name) is accepted too. The schema declares the id (an integer) and says so."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IdOrNameField(serializers.RelatedField):
    """A record by its id (an integer, or a string of digits), else by `name_field`; answers with the id."""

    name_field = "name"
    default_error_messages = {
        "does_not_exist": "No such record: {value}.",
        "invalid": "Give an id.",
    }

    def __init__(self, *, name_field: str | None = None, **kwargs):
        self.name_field = name_field or self.name_field
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        text = str(data).strip()
        if not text:
            self.fail("invalid")
        lookup = {"pk": int(text)} if text.isdigit() and int(text) <= _MAX_ID else {self.name_field: text}
        try:
            return self.get_queryset().get(**lookup)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", value=text)

    def to_representation(self, value):
        return value.pk


class UserField(IdOrNameField):
    """An active user by id (or username)."""

    name_field = "username"
    default_error_messages = {"does_not_exist": "No active user with id or username '{value}'."}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A user's id (a username is accepted too).")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(**kwargs)
