"""``paginate_fetch`` (page and count in one statement) answers exactly as DRF's ``paginate_queryset``."""

import pytest
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from scheduler.pagination import Pagination

ITEMS = list(range(1, 48))  # 47 rows: three pages of 20, the last one short


def fetch(items):
    def run(limit, offset):
        rows = items[offset : offset + limit]
        return rows, (len(items) if rows or offset == 0 else None)

    return run


def answer(paginate, params):
    paginator = Pagination()
    request = Request(APIRequestFactory().get("/api/things/", params))
    try:
        rows = paginate(paginator, request)
    except NotFound as exc:
        return ("404", str(exc.detail))
    return paginator.get_paginated_response(rows).data


@pytest.mark.parametrize("items", [ITEMS, ITEMS[:20], [], ITEMS[:1]], ids=["47", "20", "none", "one"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page": "1"},
        {"page": "2"},
        {"page": "3"},
        {"page": "4"},
        {"page": "last"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"page": "two"},
        {"page": ""},
        {"page": " 2"},
        {"page": "+2"},
        {"page": "2.0"},
        {"page": "1_0"},
        {"page": "99999999999999999999"},
        {"page": "LAST"},
        {"page": "2", "page_size": "5"},
        {"page": "10", "page_size": "5"},
        {"page": "last", "page_size": "5"},
        {"page_size": "1000"},
        {"page_size": "0"},
        {"page_size": "x", "filter": "kept in the links"},
    ],
)
def test_same_answer_as_paginate_queryset(items, params):
    expected = answer(lambda p, request: p.paginate_queryset(items, request), params)
    assert answer(lambda p, request: p.paginate_fetch(fetch(items), request), params) == expected


def test_a_page_past_the_end_is_one_fetch_and_a_404():
    calls = []

    def counting(limit, offset):
        calls.append((limit, offset))
        return fetch(ITEMS)(limit, offset)

    assert answer(lambda p, request: p.paginate_fetch(counting, request), {"page": "9"}) == ("404", "Invalid page.")
    assert calls == [(20, 160)]


@pytest.mark.parametrize(("items", "fetches"), [(ITEMS[:20], [(20, 0)]), (ITEMS, [(20, 0), (20, 40)])])
def test_the_last_page_is_one_fetch_when_it_is_the_first(items, fetches):
    calls = []

    def counting(limit, offset):
        calls.append((limit, offset))
        return fetch(items)(limit, offset)

    answer(lambda p, request: p.paginate_fetch(counting, request), {"page": "last"})
    assert calls == fetches
