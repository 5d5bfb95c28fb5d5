"""Helpers for testing any cursor-paginated, ordered API list (see core.api.pagination)."""


def expected_order(rows: dict, term: str) -> list:
    """The documented order of `rows` ({pk: {field: value}}) for an `ordering` term, computed
    independently of the pagination: by the field with NULLs last either way, ties by pk."""
    field, descending = term.removeprefix("-"), term.startswith("-")
    by_pk = sorted(rows, reverse=descending)
    present = [pk for pk in by_pk if rows[pk][field] is not None]
    present.sort(key=lambda pk: rows[pk][field], reverse=descending)  # stable: ties stay in pk order
    return present + [pk for pk in by_pk if rows[pk][field] is None]


def walk(api, url, params, link: str) -> tuple[list[list], dict]:
    """Follow `link` ("next" or "previous") from `url` until it runs out: the ids on each page, and
    the last page's body."""
    pages, body = [], {}
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.json()
        body = response.json()
        pages.append([item["id"] for item in body["results"]])
        url, params = body[link], None
    return pages, body


def assert_pages_through(api, url: str, ordering: str, expected: list, page_sizes=(2, 3)) -> None:
    """Forwards through `next` and back through `previous`, every row exactly once, in order."""
    for page_size in page_sizes:
        forward, last = walk(api, url, {"ordering": ordering, "page_size": page_size}, "next")
        assert [pk for page in forward for pk in page] == expected, page_size
        assert all(len(page) == page_size for page in forward[:-1]), page_size

        backward, first = walk(api, last["previous"], None, "previous")
        assert [pk for page in reversed(backward) for pk in page] + forward[-1] == expected, page_size
        assert first["previous"] is None and (first["next"] is not None) == (len(forward) > 1)
