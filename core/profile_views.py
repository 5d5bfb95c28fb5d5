"""The signed-in user's profile page: their time zone (core/profiles.py), shown with the time it is
there now. Any signed-in user may edit their own; nobody else's."""

from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import InvalidInput
from core.formatting import local_minute
from core.profiles import default_time_zone_name, profile_update, time_zone_names, zone_of
from core.validation import add_form_errors


def _region(name: str) -> str:
    return name.split("/", 1)[0] if "/" in name else "Other"


def time_zone_choices() -> list:
    """UTC first, then the zones grouped by region (Africa, America, …) for the select's optgroups."""
    names = [name for name in time_zone_names() if name != "UTC"]
    grouped = [(region, [(n, n) for n in group]) for region, group in groupby(names, key=_region)]
    return [("UTC", "UTC"), *sorted(grouped)]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Every time on the pages, in e-mails and in CSV exports is shown in this zone.",
        error_messages={
            "required": "Choose a time zone.",
            "invalid_choice": "'%(value)s' is not a time zone. Choose one such as Europe/Berlin or UTC.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    zone = zone_of(request.user)
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                profile_update(user=request.user, time_zone=form.cleaned_data["time_zone"])
            except InvalidInput as error:
                add_form_errors(form, error)
            else:
                messages.success(request, f"Times are now shown in {form.cleaned_data['time_zone']}.")
                return redirect("profile")
        status = 400
    else:
        form = ProfileForm(initial={"time_zone": zone.key})
    context = {
        "form": form,
        "zone_name": zone.key,
        "now_there": local_minute(timezone.now(), zone),
        "default_zone": default_time_zone_name(),
        "nav": "profile",
    }
    return render(request, "core/profile.html", context, status=status)
