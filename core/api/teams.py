"""The API's assignment-group input: a team's name; a role group (`viewer`, `agent`, ...) is refused."""

from rest_framework import serializers

from core.teams import assignable_groups


class TeamField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "No team named '{value}' (role groups such as viewer are not teams).",
        "invalid": "Give a team's name.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Team name (a group that is not a role).")
        super().__init__(slug_field="name", queryset=assignable_groups(), **kwargs)
