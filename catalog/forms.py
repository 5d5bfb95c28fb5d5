"""Filters by service, for the pages and endpoints of every process."""

from django import forms

from core.forms import PeriodForm

from .models import Service


class ServicePeriodForm(PeriodForm):
    """A period (see core.forms.PeriodForm) and `service`, a service id (default: every service)."""

    def extra_fields(self) -> dict[str, forms.Field]:
        return {
            "service": forms.ModelChoiceField(
                label="Service",
                queryset=Service.objects.order_by("name"),
                required=False,
                empty_label="All services",
                error_messages={"invalid_choice": "Unknown service: give the id of an existing service."},
            )
        }

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links to the export and the API)."""
        service = self.cleaned_data.get("service")
        return {
            "from": self.cleaned_data["from"].isoformat(),
            "to": self.cleaned_data["to"].isoformat(),
            "service": str(service.pk) if service else "",
        }
