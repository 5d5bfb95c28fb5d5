"""The dashboard's filters (`from`, `to`, `service`), parsed the same way for the page, the CSV export
and the API."""

from django import forms

from catalog.forms import ServicePeriodForm

PAGES = ("breaches_page", "at_risk_page")


class SlaFilterForm(ServicePeriodForm):
    """`from` and `to` are whole days, both inclusive (default: the last 30 days up to today);
    `service` is a service id (default: every service); `breaches_page` and `at_risk_page` choose the
    page of each list (from 1; default 1)."""

    def extra_fields(self) -> dict[str, forms.Field]:
        return {
            **super().extra_fields(),
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

    def metrics_kwargs(self) -> dict:
        """Arguments for `reports.metrics.sla_metrics` (call after `is_valid()`)."""
        start, end = self.period()
        pages = {name: self.cleaned_data[name] or 1 for name in PAGES}
        return {"start": start, "end": end, "service": self.cleaned_data["service"], **pages}
