"""Change request pages: list, new, detail, edit and transition buttons."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from core.decorators import permission_required
from core.permissions import USE

from ..models import Change


@login_required
@permission_required(USE)
def detail(request, pk: int):
    change = get_object_or_404(Change.objects.select_related("requester", "implementer"), pk=pk)
    return render(request, "changes/detail.html", {"change": change})
