"""The generic cursor pagination and ordering (core.api) on a list that is not an incident: users,
ordered by a nullable column with ties, by a column full of ties, and by a nullable relation."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from core.api import keyset
from core.models import TimelineEntry
from core.tests.factories import UserFactory
from core.tests.paging import assert_pages_through, expected_order

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

User = get_user_model()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]


class UserList(generics.ListAPIView):
    authentication_classes = throttle_classes = []
    permission_classes = [AllowAny]
    serializer_class = UserSerializer
    queryset = User.objects.all()
    ordering_fields = ["last_login", "first_name", "date_joined", "username"]


class FixedOrderList(UserList):
    ordering_fields = None
    ordering = ("-date_joined",)


urlpatterns = [path("users/", UserList.as_view()), path("fixed/", FixedOrderList.as_view())]
FIELDS = UserList.ordering_fields


@pytest.fixture
def rows():
    """Nine users: four never logged in (NULL), three logged in at the same instant, most with the same
    first name and all joined in two instants."""
    for n in range(9):
        with time_machine.travel(T0 + timedelta(days=n // 5), tick=False):
            UserFactory(
                username=f"u{n}",
                first_name="Sam" if n % 4 else f"Alex{n}",
                last_login=None if n % 2 else T0 + timedelta(hours=n // 4),
            )
    return {row["id"]: row for row in User.objects.values("id", *FIELDS)}


@pytest.mark.parametrize("ordering", [term for field in FIELDS for term in (field, f"-{field}")])
def test_pages_through_every_row_once_both_ways(rows, ordering):
    assert_pages_through(APIClient(), "/users/", ordering, expected_order(rows, ordering))


def test_the_views_own_ordering_is_paged_with_a_tie_break(rows):
    assert_pages_through(APIClient(), "/fixed/", "", expected_order(rows, "-date_joined"))


def test_a_list_without_declared_orderings_refuses_any(rows):
    response = APIClient().get("/fixed/", {"ordering": "username"})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "ordering": ["Unknown ordering 'username'. Valid values: none (this list has a fixed order)."]
    }


def test_a_tampered_cursor_is_a_404(rows):
    next_link = APIClient().get("/users/", {"page_size": 2}).json()["next"]
    response = APIClient().get(next_link.replace("cursor=", "cursor=x"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_relation_sorts_on_its_key_and_an_annotation_or_nullable_column_places_nulls():
    entries = TimelineEntry.objects.annotate(subject_id=F("object_id"))
    keys = keyset.sort_keys(entries, ["-actor", "content_type__app_label", "-subject_id", "-actor"])
    assert [(key.term, key.nullable) for key in keys] == [
        ("-actor_id", True),
        ("content_type__app_label", False),
        ("-subject_id", True),
        ("-id", False),  # the tie-break follows the last key's direction
    ]
    with pytest.raises(ImproperlyConfigured):
        keyset.sort_keys(User.objects.all(), ["groups"])
