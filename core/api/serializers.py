import datetime
import functools
import types

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.manager import BaseManager
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from core.models import TimelineEntry


class ErrorSerializer(serializers.Serializer):
    """The one error shape every endpoint answers with."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field name → messages (400 only).",
    )
    current_status = serializers.CharField(required=False, help_text="409 only.")
    allowed_transitions = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="409 only."
    )
    current_version = serializers.IntegerField(required=False, help_text="409 on a stale version only.")


class StrictInputSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not know (a silently dropped field is lost input)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [f"Unknown or read-only field. Writable fields: {', '.join(sorted(writable))}."]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


@functools.lru_cache(maxsize=4096)  # a page's clocks share a few targets (PT15M, PT4H...)
def iso_duration(value: datetime.timedelta) -> str:
    """ISO 8601 in its shortest form, days at most (what Django's parse_duration reads back): PT15M,
    P1DT4H, PT0S; "-PT5M" when negative (overdue)."""
    sign, value = ("-", -value) if value < datetime.timedelta(0) else ("", value)
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    second_text = f"{seconds}.{value.microseconds:06d}".rstrip("0") if value.microseconds else seconds
    time = "".join(
        f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M"), (second_text, "S")) if amount
    )
    days = f"{value.days}D" if value.days else ""
    if not (days or time):
        return "PT0S"
    return f"{sign}P{days}" + (f"T{time}" if time else "")


class IsoDurationField(serializers.DurationField):
    """A duration as ISO 8601 (`PT15M`); input takes ISO 8601 too (or Django's `00:15:00`)."""

    def to_representation(self, value):
        return iso_duration(value)


class UnsetAsNullChoiceField(serializers.ChoiceField):
    """Output of a choice that may not be made yet (stored as ""): null until then, so that a generated
    client's enum parses every value it gets (an enum has no blank member)."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(allow_null=True)

    class Meta:
        model = TimelineEntry
        fields = [
            "id", "kind", "created_at", "actor", "from_state", "to_state", "field", "old_value", "new_value",
            "note", "visibility", "data",
        ]  # fmt: skip
        read_only_fields = fields


class PlainRowsMixin:
    """For read-only output serializers of list rows: the same output as DRF's `to_representation`, but
    each field's path from the row to its value is worked out once per serializer class (nested and
    `many` serializers included, per time zone) instead of once per row and field, and the serializer
    builds no fields per request. DRF's generic walk costs ~60 attribute look-ups, `callable`/`inspect`
    checks and a try/except per row of a 35-field incident, and a ModelSerializer builds its fields anew
    for every response. Anything unusual (a missing attribute) falls back to DRF's own path, so the
    output is DRF's, as JSON: tests compare both (incidents/tests/test_api_rows.py). One difference
    before rendering: a UTC datetime shown in UTC is left as the datetime (see _fast_datetime).

    Method fields (`SerializerMethodField`) of nested serializers run with the outer serializer as
    `self`: they may read `self.context` (the outer one's, as DRF gives them) and nothing else of theirs.
    A serializer with relational fields (which may need the request) gets its plan per instance."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_rows_plan")  # a list's rows share their serializer (and time zone)
        if plan is None:
            key = (type(self), timezone.get_current_timezone() if settings.USE_TZ else None)
            plan = _PLANS.get(key)
            if plan is None:
                plan = _plan(self)
                if _has_related(plan):
                    return _represent(plan, instance, self)  # planned per instance, never kept
                _PLANS[key] = plan
            self._rows_plan = plan
        return _represent(plan, instance, self)


_PLANS: dict[tuple, list[tuple]] = {}


def _plan(serializer: serializers.Serializer) -> list[tuple]:
    """(name, kind, field, how, attribute, plain type) per readable field, in order. `attribute`: the one
    attribute a field reads (None for a dotted source); `plain type`: values of exactly this type are
    output as they are, which is what the field's `to_representation` would return for them."""
    plan = []
    for field in serializer._readable_fields:
        if isinstance(field, serializers.SerializerMethodField):
            how, kind = getattr(type(field.parent), field.method_name), "method"
        elif isinstance(field, serializers.ListSerializer):
            how, kind = _plan(field.child), "many"
        elif isinstance(field, serializers.Serializer):
            how, kind = _plan(field), "nested"
        elif isinstance(field, serializers.RelatedField | serializers.ManyRelatedField):
            how, kind = field.to_representation, "drf"  # its pk-only shortcut
        else:
            how, kind = _fast_datetime(field) or field.to_representation, "value"
        attribute = field.source_attrs[0] if len(getattr(field, "source_attrs", ())) == 1 else None
        plan.append((field.field_name, kind, field, how, attribute, _plain_type(field)))
    return plan


def _plain_type(field) -> type | None:
    """The type whose values `field` outputs unchanged: str for a CharField (`str(value)`), int for an
    IntegerField, bool for a BooleanField, the choices' type for a ChoiceField whose choices are all of
    one type (it maps a value to the choice equal to it)."""
    kind = type(field)
    if kind is serializers.CharField:
        return str
    if kind is serializers.IntegerField:
        return int
    if kind is serializers.BooleanField:
        return bool
    if kind is serializers.ChoiceField:
        types_of_choices = {type(choice) for choice in field.choices}
        return types_of_choices.pop() if len(types_of_choices) == 1 else None
    return None


def _has_related(plan: list[tuple]) -> bool:
    return any(
        kind == "drf" or (kind in ("many", "nested") and _has_related(how)) for _, kind, _, how, *_ in plan
    )


def _fast_datetime(field):
    """DRF's DateTimeField output (ISO 8601 in the current time zone, "Z" for UTC) with the time zone
    looked up once per plan rather than once per value; None for any other field or format. A UTC value
    shown in UTC (the API's) stays a datetime: the API's JSON renderer (core.api.renderers) writes it in
    C as the same text, where formatting it here cost ~1 µs of Python a value, ~1 ms a list page."""
    if type(field) is not serializers.DateTimeField or not settings.USE_TZ:
        return None
    if getattr(field, "format", api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return None
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    utc = zone is datetime.UTC or getattr(zone, "key", None) in ("UTC", "Etc/UTC")

    def represent(value):
        if type(value) is datetime.datetime and value.tzinfo is not None:
            if utc and value.tzinfo is datetime.UTC:  # as read from the database, shown in UTC (the API)
                return value  # for the renderer to write
            if value.utcoffset() is not None:
                text = value.astimezone(zone).isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text
        return field.to_representation(value)

    return represent


def _value(instance, field):
    """What DRF's `field.get_attribute(instance)` returns, through plain attribute access."""
    value = instance
    try:
        for attr in field.source_attrs:
            value = getattr(value, attr)
            if value is None:
                return None
            if isinstance(value, types.MethodType):
                value = value()
    except ObjectDoesNotExist:
        return None
    except (AttributeError, KeyError):
        return field.get_attribute(instance)  # DRF's own path: defaults, SkipField, its error message
    return value


def _represent(plan: list[tuple], instance, outer) -> dict:
    row = {}
    for name, kind, field, how, attribute, plain in plan:
        if kind == "method":
            row[name] = how(outer, instance)
            continue
        try:
            if kind == "drf":
                value = field.get_attribute(instance)
            elif attribute is not None:
                try:
                    value = getattr(instance, attribute)
                except (AttributeError, KeyError, ObjectDoesNotExist):
                    value = _value(instance, field)  # DRF's answers for what is missing
                else:
                    if type(value) is types.MethodType:
                        value = value()
            else:
                value = _value(instance, field)
        except SkipField:
            continue
        if value is None or (type(value) is PKOnlyObject and value.pk is None):
            row[name] = None
        elif type(value) is plain:
            row[name] = value
        elif kind in ("value", "drf"):
            row[name] = how(value)
        elif kind == "nested":
            row[name] = _represent(how, value, outer)
        else:
            items = value.all() if isinstance(value, BaseManager) else value
            row[name] = [_represent(how, item, outer) for item in items]
    return row
