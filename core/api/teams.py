"""The API's assignment-group input: a team by id (or name); a role group (`viewer`, `agent`, ...) is refused."""

from core.teams import assignable_groups

from .refs import IdOrNameField


class TeamField(IdOrNameField):
    default_error_messages = {
        "does_not_exist": "No team with id or name '{value}' (role groups such as viewer are not teams).",
        "invalid": "Give a team's id.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A team's id (its name is accepted too); role groups are not teams.")
        super().__init__(queryset=assignable_groups(), **kwargs)
