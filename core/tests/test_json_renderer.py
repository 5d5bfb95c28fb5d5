"""The API's JSON (core/api/renderers.py) is byte for byte what DRF's renderer wrote, only faster."""

import datetime
import decimal
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.api.renderers import JSONRenderer
from incidents.models import Status

PAYLOADS = [
    {"id": 1, "title": "Checkout returns 502", "ok": True, "gone": None, "ratio": 0.25, "big": 2**62},
    [{"number": "INC-000001", "tags": ["a", "b"], "nested": {"deep": [1, 2.5, -3]}}],
    {"text": 'Zürich — 東京 \u2028 line \u2029 paragraph "quoted" \\ back\tslash\n'},
    {"at": datetime.datetime(2026, 12, 7, 5, 4, 3, 123456, tzinfo=datetime.UTC)},
    {
        "at": datetime.datetime(2026, 12, 7, 14, 4, tzinfo=ZoneInfo("Asia/Tokyo")),
        "day": datetime.date(2026, 12, 7),
    },
    {"time": datetime.time(9, 30, 0, 5), "span": datetime.timedelta(hours=4)},
    {
        "london": datetime.datetime(2026, 1, 7, tzinfo=ZoneInfo("Europe/London")),
        "naive": datetime.datetime(2026, 1, 7),
    },
    [
        datetime.datetime(5, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC),
    ],
    {"label": gettext_lazy("Resolved"), "status": Status.RESOLVED, "amount": decimal.Decimal("12.50")},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), 3: "int key"},
    ReturnDict({"status": 400, "fields": {"title": ["This field is required."]}}, serializer=None),
    ReturnList([{"a": 1}, {"b": (1, 2)}], serializer=None),
    {"huge": 2**70},  # wider than 64 bits: orjson refuses it, DRF writes it
    [],
    {},
]


@pytest.mark.parametrize("data", PAYLOADS, ids=range(len(PAYLOADS)))
def test_the_bytes_are_drf_s(data):
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)
    json.loads(JSONRenderer().render(data))  # and valid JSON


def test_separators_in_text_stay_escaped_for_javascript():
    assert JSONRenderer().render({"t": "a\u2028b\u2029c"}) == b'{"t":"a\\u2028b\\u2029c"}'


def test_an_indent_asked_for_is_honoured():
    indented = JSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert indented == b'{\n  "a": [\n    1\n  ]\n}'


def test_nothing_renders_as_no_body():
    assert JSONRenderer().render(None) == b""


def test_what_neither_can_encode_is_drf_s_error():
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})


def test_the_api_answers_with_it(client_for, manager, incident):
    response = client_for(manager).get(f"/api/v1/incidents/{incident.pk}/")
    assert response.status_code == 200
    assert response.content == renderers.JSONRenderer().render(response.data)
    assert type(response.accepted_renderer) is JSONRenderer
