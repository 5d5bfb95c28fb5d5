""" "My work": the change tasks assigned to me or my groups, and the changes I implement."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.decorators import permission_required
from core.permissions import USE

from ..work_orders import MY_WORK_LIMIT, my_work


@require_GET
@permission_required(USE)
def my_work_page(request):
    work = my_work(user=request.user)
    context = {"work": work, "limit": MY_WORK_LIMIT, "nav": "my_work"}
    return render(request, "changes/my_work.html", context)
