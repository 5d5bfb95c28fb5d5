"""The django-filter backend of the API lists, building only the filters a request uses."""

from django_filters import rest_framework as filters


class FilterBackend(filters.DjangoFilterBackend):
    """DjangoFilterBackend whose filter set holds only the filters the request names. django-filter
    deep-copies every filter of the set, builds a form field for each and validates them all on every
    request (~2 ms of CPU for the incident list's 13), while a filter whose parameter is absent changes
    nothing. The set's class is untouched (the schema and the browser's filter form see every filter);
    a request naming no filter gets its queryset back as it was."""

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        given = request.query_params
        filterset = filterset_class.__new__(filterset_class)
        # FilterSet.__init__ copies `self.base_filters`: an instance attribute narrows what it copies
        filterset.base_filters = {
            name: filter_ for name, filter_ in filterset_class.base_filters.items() if name in given
        }
        filterset.__init__(**self.get_filterset_kwargs(request, queryset, view))
        return filterset

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
