"""Form pieces the process pages share: the people and teams to choose from, and a period of whole
days (`from`, `to`) as every report and metrics endpoint reads it."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from core.periods import period_bounds
from core.teams import assignable_groups

DATE_FORMAT = "%Y-%m-%d"


class UserChoiceField(forms.ModelChoiceField):
    """A user shown as "Full Name (username)", or the username alone."""

    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


def active_users_with_roles(role_names: Iterable[str]) -> QuerySet:
    """Active users holding one of `role_names` (superusers too), by username: whom a process's
    services accept as the one doing the work."""
    allowed = Q(is_superuser=True) | Q(groups__name__in=role_names)
    return get_user_model().objects.filter(allowed, is_active=True).distinct().order_by("username")


def teams() -> QuerySet:
    """Teams, not the role groups that grant permissions (core.teams)."""
    return assignable_groups()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format=DATE_FORMAT, **kwargs)


class PeriodForm(forms.Form):
    """`from` and `to` are whole days, both inclusive (default: the last DEFAULT_DAYS days up to
    today), spanning at most MAX_DAYS. A subclass adds its own query parameters in `extra_fields()`."""

    DEFAULT_DAYS = 30
    MAX_DAYS = 366

    def __init__(self, data, *, today: date):
        extra = self.extra_fields()
        values = {key: (data.get(key) or "").strip() for key in ("from", "to", *extra)}
        if not values["to"]:
            values["to"] = today.isoformat()
        if not values["from"]:
            try:
                last = date.fromisoformat(values["to"])
            except ValueError:
                last = today
            values["from"] = (last - timedelta(days=self.DEFAULT_DAYS - 1)).isoformat()
        super().__init__(values)
        date_errors = {"invalid": "Enter a date as YYYY-MM-DD."}
        self.fields = {
            "from": forms.DateField(
                label="From", input_formats=[DATE_FORMAT], widget=DateInput(), error_messages=date_errors
            ),
            "to": forms.DateField(
                label="To", input_formats=[DATE_FORMAT], widget=DateInput(), error_messages=date_errors
            ),
            **extra,
        }

    def extra_fields(self) -> dict[str, forms.Field]:
        """The subclass's fields after `from` and `to` (their names are the query parameters)."""
        return {}

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if last and last >= date.max:  # the period ends at the next midnight, which must exist
            self.add_error("to", f"Enter a date before {date.max.isoformat()}.")
        elif first and last:
            if last < first:
                self.add_error("to", "The end date must be on or after the start date (from).")
            elif (last - first).days + 1 > self.MAX_DAYS:
                self.add_error("from", f"The period may span at most {self.MAX_DAYS} days.")
        return cleaned

    def period(self) -> tuple[datetime, datetime]:
        """The half-open instants [start, end) of the days chosen (call after `is_valid()`)."""
        return period_bounds(self.cleaned_data["from"], self.cleaned_data["to"])

    def error_lists(self) -> dict[str, list[str]]:
        return {field: list(messages) for field, messages in self.errors.items()}
