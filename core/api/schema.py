"""AutoSchema that documents the error responses every endpoint can really give."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from .serializers import ErrorSerializer

_DESCRIPTIONS = {
    "400": "Invalid input: field-level messages in `fields`.",
    "401": "Not authenticated.",
    "403": "Authenticated but not allowed.",
    "404": "No such record.",
    "409": "Illegal transition or concurrent modification: `current_status` and `allowed_transitions`.",
    "429": "Rate limited.",
}


class AutoSchema(SpectacularAutoSchema):
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

    def get_tags(self) -> list[str]:
        """Group operations by resource (services, cis, sla-policies, ...) rather than by API version."""
        tokens = [token for token in self._tokenize_path() if token not in ("api", "v1")]
        return tokens[:1] or super().get_tags()

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


def period_parameters() -> list[OpenApiParameter]:
    """The `from` and `to` query parameters of core.forms.PeriodForm."""
    return [
        OpenApiParameter(
            "from", OpenApiTypes.DATE, description="First day, inclusive (default: `to` − 29 days)."
        ),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive (default: today)."),
    ]
