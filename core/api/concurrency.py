"""Optimistic concurrency over HTTP: clients send the version they last saw, as `version` in the
body or as an `If-Match` header (the ETag of a detail response); a stale one gets a 409."""

from rest_framework import serializers


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version(request, body_version: int | None) -> int | None:
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise serializers.ValidationError({"If-Match": ['Send the ETag of the record, e.g. If-Match: "3".']})
    return int(value)
