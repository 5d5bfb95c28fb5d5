"""A fixed read compiles its statement once but reads the rows anew each time."""

import pytest

from catalog.models import Service
from core.fixed_reads import FixedRead

pytestmark = pytest.mark.django_db


def test_each_call_reads_the_rows_as_they_are_now():
    services = FixedRead(lambda: Service.objects.order_by("name").values_list("name"))
    Service.objects.create(name="Payments", slug="payments")
    assert services() == [("Payments",)]
    Service.objects.create(name="Billing", slug="billing")
    assert services() == [("Billing",), ("Payments",)]


def test_only_plain_tuples():
    with pytest.raises(TypeError):
        FixedRead(lambda: Service.objects.all())()
