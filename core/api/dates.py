"""Instants a client sends in query parameters (list filters, report periods), checked alike everywhere.

Python accepts UTC offsets up to ±23:59, PostgreSQL only up to ±15:59 (`time zone displacement out of
range`), and no place on Earth uses more than ±14:00: anything beyond is bad input (400), and what
passes is handed to the database in UTC."""

import datetime as dt

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

MAX_UTC_OFFSET = dt.timedelta(hours=14)
OFFSET_MESSAGE = "The UTC offset must be between -14:00 and +14:00."
RANGE_MESSAGE = "The date is out of range."


def offset_error(value: dt.datetime) -> str | None:
    """Why `value` cannot be an instant in the database, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return OFFSET_MESSAGE
    if offset is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            return RANGE_MESSAGE
    return None


class IsoDateTimeFormField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None:
            return None
        error = offset_error(instant)
        if error:
            raise forms.ValidationError(error, code="invalid")
        return instant.astimezone(dt.UTC) if instant.utcoffset() is not None else instant


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 filter, refusing offsets PostgreSQL would refuse."""

    field_class = IsoDateTimeFormField


class InstantField(serializers.DateTimeField):
    """DRF's DateTimeField for query parameters, refusing offsets beyond ±14:00 like the filters do."""

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None:
            error = offset_error(parsed)
            if error:
                raise serializers.ValidationError(error, code="invalid")
        return super().to_internal_value(value)
