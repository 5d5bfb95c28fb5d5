"""The django-filter backend of the API lists, without its cost when a request filters nothing."""

from django_filters import rest_framework as filters


class FilterBackend(filters.DjangoFilterBackend):
    """DjangoFilterBackend that leaves the queryset alone when the request names none of the filter
    set's filters: building the filter set (a deep copy of every filter, their form, its validation)
    cost ~2 ms of CPU per request, for an unchanged queryset (every filter ignores an absent value)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            given = request.query_params
            if not any(name in given for name in filterset_class.base_filters):
                return queryset
        return super().filter_queryset(request, queryset, view)
