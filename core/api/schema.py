"""AutoSchema that tells client generators the truth: the error responses every endpoint can really give,
the `ETag` / `If-Match` headers of versioned records, ISO 8601 durations, and operation ids named after
the resource and the action (`incidents_list`, `incidents_acknowledge`)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .serializers import ErrorSerializer

_DESCRIPTIONS = {
    "400": "Invalid input: field-level messages in `fields`.",
    "401": "Not authenticated.",
    "403": "Authenticated but not allowed.",
    "404": "No such record.",
    "409": "Illegal transition or concurrent modification: `current_status` and `allowed_transitions`.",
    "429": "Rate limited.",
}

ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The version of the record returned, quoted (`"3"`): send it back as `If-Match`.',
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The `ETag` of the record you last read (e.g. `"3"`); if it changed meanwhile, 409. '
    "Same as `version` in the body.",
)


class AutoSchema(SpectacularAutoSchema):
    """Views opt in to the version headers with `etag_actions`: the actions that answer with the record
    and its `ETag`; those writes whose input has a `version` field also take `If-Match`."""

    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes or self._is_list_view():
            codes.append("400")
        if "{" in self.path:
            codes.append("404")
        if writes and getattr(self.view, "conflict_possible", False) and "{" in self.path:
            codes.append("409")
        codes.append("429")  # every endpoint is rate limited
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if getattr(self.view, "public_endpoint", False):
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = _DESCRIPTIONS[code]
                responses[code] = response
        return responses

    def get_operation_id(self) -> str:
        """A POST-only action is named after the action alone (`incidents_acknowledge`, not
        `..._acknowledge_create`); everything else keeps drf-spectacular's `<path>_<list|create|...>`."""
        action = getattr(self.view, "action", None)
        method = getattr(getattr(self.view, action, None), "mapping", None) if action else None
        if method is not None and list(method) == ["post"]:
            return "_".join(token.replace("-", "_") for token in self._tokenize_path())
        return super().get_operation_id()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "action", None) not in getattr(self.view, "etag_actions", ()):
            return parameters
        parameters.append(ETAG)
        if self.method in ("POST", "PATCH") and "{" in self.path and self._takes_version():
            parameters.insert(0, IF_MATCH)  # an explicit declaration of the view comes later and wins
        return parameters

    def _takes_version(self) -> bool:
        serializer = self.get_request_serializer()
        fields = getattr(serializer() if isinstance(serializer, type) else serializer, "fields", {})
        return "version" in fields

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DurationField) and schema.get("type") == "string":
            schema = {**schema, "format": "duration"}  # ISO 8601, e.g. PT15M
        return schema


def period_parameters() -> list[OpenApiParameter]:
    """The `from` and `to` query parameters of core.forms.PeriodForm."""
    return [
        OpenApiParameter(
            "from", OpenApiTypes.DATE, description="First day, inclusive (default: `to` − 29 days)."
        ),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive (default: today)."),
    ]
