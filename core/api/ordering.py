"""`?ordering=` for every API list: only the orderings a view declares, each a total order.

A view offers orderings by listing `ordering_fields`; a client asks for one (`priority`), its reverse
(`-priority`) or several joined by commas. Anything else is a 400 naming the valid values (DRF silently
ignores unknown ones). The order applied is the keyset order of core.api.keyset: ties broken by id, NULLs
last — the same order the cursor pagination pages through.
"""

from rest_framework import filters
from rest_framework.exceptions import ValidationError

from . import keyset

_DESCRIPTION = (
    "Sort order: a field name, or the name prefixed with `-` for descending (several joined by commas "
    "are accepted too). Ties are broken by id; rows without a value come last in either direction. "
    "Any other value is a 400."
)


class OrderingFilter(filters.OrderingFilter):
    def choices(self, queryset, view) -> list[str]:
        """The valid `ordering` values: each declared field, ascending and descending."""
        if self._declared(view) is None:
            return []  # nothing declared: nothing offered (DRF would guess from the serializer)
        fields = [name for name, _label in self.get_valid_fields(queryset, view)]
        return [value for name in fields for value in (name, f"-{name}")]

    def _declared(self, view):
        return getattr(view, "ordering_fields", self.ordering_fields)

    def get_ordering(self, request, queryset, view):
        requested = [term.strip() for term in request.query_params.get(self.ordering_param, "").split(",")]
        requested = [term for term in requested if term]
        if not requested:
            return self.get_default_ordering(view)
        choices = self.choices(queryset, view)
        unknown = [term for term in requested if term not in choices]
        if unknown:
            valid = ", ".join(choices) or "none (this list has a fixed order)"
            raise ValidationError(
                {self.ordering_param: [f"Unknown ordering '{unknown[0]}'. Valid values: {valid}."]}
            )
        return requested

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        return queryset.order_by(*keyset.order_by(keyset.sort_keys(queryset, ordering)))

    def get_schema_operation_parameters(self, view):
        queryset = view.get_queryset() if self._declared(view) == "__all__" else None
        choices = self.choices(queryset, view)
        if not choices:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": _DESCRIPTION,
                "schema": {"type": "string", "enum": choices},
            }
        ]
