"""The dashboard's filters (`from`, `to`, `service`), parsed the same way for the page, the CSV export
and the API."""

from datetime import date, timedelta

from django import forms

from catalog.models import Service

from .metrics import period_bounds

DEFAULT_DAYS = 30
MAX_DAYS = 366
DATE_FORMAT = "%Y-%m-%d"
PAGES = ("breaches_page", "at_risk_page")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format=DATE_FORMAT, **kwargs)


class SlaFilterForm(forms.Form):
    """`from` and `to` are whole days, both inclusive (default: the last 30 days up to today);
    `service` is a service id (default: every service); `breaches_page` and `at_risk_page` choose the
    page of each list (from 1; default 1)."""

    def __init__(self, data, *, today: date):
        values = {key: (data.get(key) or "").strip() for key in ("from", "to", "service", *PAGES)}
        if not values["to"]:
            values["to"] = today.isoformat()
        if not values["from"]:
            try:
                last = date.fromisoformat(values["to"])
            except ValueError:
                last = today
            values["from"] = (last - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        super().__init__(values)
        date_errors = {"invalid": "Enter a date as YYYY-MM-DD."}
        self.fields = {
            "from": forms.DateField(
                label="From", input_formats=[DATE_FORMAT], widget=DateInput(), error_messages=date_errors
            ),
            "to": forms.DateField(
                label="To", input_formats=[DATE_FORMAT], widget=DateInput(), error_messages=date_errors
            ),
            "service": forms.ModelChoiceField(
                label="Service",
                queryset=Service.objects.order_by("name"),
                required=False,
                empty_label="All services",
                error_messages={"invalid_choice": "Unknown service: give the id of an existing service."},
            ),
            **{
                name: forms.IntegerField(
                    required=False,
                    min_value=1,
                    widget=forms.HiddenInput(),
                    error_messages={"invalid": "Enter a page number (1, 2, …)."},
                )
                for name in PAGES
            },
        }

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if last and last >= date.max:  # the period ends at the next midnight, which must exist
            self.add_error("to", f"Enter a date before {date.max.isoformat()}.")
        elif first and last:
            if last < first:
                self.add_error("to", "The end date must be on or after the start date (from).")
            elif (last - first).days + 1 > MAX_DAYS:
                self.add_error("from", f"The period may span at most {MAX_DAYS} days.")
        return cleaned

    def metrics_kwargs(self) -> dict:
        """Arguments for `reports.metrics.sla_metrics` (call after `is_valid()`)."""
        start, end = period_bounds(self.cleaned_data["from"], self.cleaned_data["to"])
        pages = {name: self.cleaned_data[name] or 1 for name in PAGES}
        return {"start": start, "end": end, "service": self.cleaned_data["service"], **pages}

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links to the export and the API)."""
        service = self.cleaned_data.get("service")
        return {
            "from": self.cleaned_data["from"].isoformat(),
            "to": self.cleaned_data["to"].isoformat(),
            "service": str(service.pk) if service else "",
        }

    def error_lists(self) -> dict[str, list[str]]:
        return {field: list(messages) for field, messages in self.errors.items()}
