"""FHIR search: the query string checked against what a resource supports, date prefixes, paging, Bundles.

Unknown parameters: strict by default (a 400 naming them), so a typo never silently widens a search of
health data; ``Prefer: handling=lenient`` ignores them instead (FHIR's search "handling" preference), and
the Bundle's ``self`` link then shows only the parameters that were applied.
"""

import datetime
import re
from collections.abc import Sequence
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from fhir.api import invalid
from scheduler.api import check_aware
from scheduler.ids import parse_id
from scheduler.pagination import MAX_OFFSET

DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = ("_count", "_page")
DATE_PREFIXES = ("eq", "ge", "gt", "le", "lt")
ONE_MICROSECOND = datetime.timedelta(microseconds=1)
# A "+" in an offset that arrived unencoded reads as a space: "...T09:00:00 01:00" means "+01:00".
_SPACE_OFFSET = re.compile(r" (\d\d:\d\d)$")


def lenient(request) -> bool:
    prefer = request.headers.get("Prefer", "")
    return any(part.strip().lower() == "handling=lenient" for part in prefer.split(";") + prefer.split(","))


class Search:
    """The parameters of one search request, each known to the resource (or refused, or ignored)."""

    def __init__(self, request, supported: Sequence[str], given: dict[str, list[str]] | None = None):
        """``given``: the parameters when they did not come in the query string (a POSTed ``Parameters``)."""
        self.request = request
        self.params: dict[str, list[str]] = {}
        if given is None:
            given = {name: request.query_params.getlist(name) for name in request.query_params}
        for name, values in given.items():
            if name in supported or name in PAGING:
                self.params[name] = values
            elif not lenient(request):
                known = ", ".join([*supported, *PAGING])
                raise invalid(
                    name,
                    f"Unknown search parameter (this resource supports: {known}). Send "
                    "'Prefer: handling=lenient' to have unknown parameters ignored.",
                )
        self.count = self._count()
        self.page = self._page()

    def one(self, name: str) -> str | None:
        values = self.params.get(name)
        if not values:
            return None
        if len(values) > 1 or "," in values[0]:
            raise invalid(name, "Give one value.")
        if not values[0].strip():
            raise invalid(name, "Give a value.")
        return values[0].strip()

    def _count(self) -> int:
        raw = self.one("_count")
        if raw is None:
            return DEFAULT_COUNT
        if not raw.isascii() or not raw.isdecimal() or int(raw) < 1:
            raise invalid("_count", "Give a whole number of at least 1 (more than 100 counts as 100).")
        return min(int(raw), MAX_COUNT)

    def _page(self) -> int:
        raw = self.one("_page")
        if raw is None:
            return 1
        if not raw.isascii() or not raw.isdecimal() or not 1 <= int(raw) <= MAX_OFFSET // MAX_COUNT:
            raise invalid("_page", "Give a page number of at least 1.")
        return int(raw)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.count

    def window(self, name: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """The ``[after, before)`` window the date parameter's values (each with a prefix) ask for."""
        after = before = None
        for raw in self.params.get(name, []):
            prefix, value = parse_date(name, raw)
            low = {"ge": value, "gt": value + ONE_MICROSECOND, "eq": value}.get(prefix)
            high = {"lt": value, "le": value + ONE_MICROSECOND, "eq": value + ONE_MICROSECOND}.get(prefix)
            if low is not None:
                after = low if after is None else max(after, low)
            if high is not None:
                before = high if before is None else min(before, high)
        return after, before

    def link(self, page: int) -> str:
        pairs = [(name, value) for name, values in self.params.items() if name not in PAGING for value in values]
        pairs += [("_count", self.count), ("_page", page)]
        return self.request.build_absolute_uri(f"{self.request.path}?{urlencode(pairs)}")


def parse_date(name: str, raw: str) -> tuple[str, datetime.datetime]:
    """``ge2027-03-01T09:00:00+01:00`` → ``("ge", datetime)``; an instant with its offset, as the REST API."""
    raw = raw.strip()
    prefix = raw[:2] if raw[:2].isalpha() else "eq"
    if raw[:2].isalpha():
        if prefix not in DATE_PREFIXES:
            raise invalid(name, f"The prefix {raw[:2]!r} is not supported; use one of {', '.join(DATE_PREFIXES)}.")
        raw = raw[2:]
    raw = _SPACE_OFFSET.sub(r"+\1", raw)
    try:
        parsed = parse_datetime(raw) if "\x00" not in raw else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise invalid(name, "Give an instant with a UTC offset, e.g. ge2027-03-01T09:00:00Z.")
    try:
        return prefix, check_aware(parsed)
    except ValidationError as exc:
        raise invalid(name, exc.messages[0]) from exc


def reference_id(name: str, raw: str | None, resource_type: str) -> int | None:
    """``Practitioner/7``, ``7`` or an absolute URL ending in ``Practitioner/7`` → 7."""
    if raw is None:
        return None
    tail = raw.rstrip("/").rsplit("/", 2)
    if len(tail) >= 2 and tail[-2] != resource_type:
        raise invalid(name, f"Give a {resource_type} reference, e.g. {resource_type}/7.")
    return positive_id(name, tail[-1])


def positive_id(name: str, raw: str) -> int:
    if (value := parse_id(raw)) is None:
        raise invalid(name, "Give the id of an existing resource.")
    return value


def token_code(name: str, raw: str | None, system: str) -> str | None:
    """A token ``code`` or ``system|code`` in our code system → the code."""
    if raw is None:
        return None
    if "|" in raw:
        given_system, raw = raw.split("|", 1)
        if given_system and given_system != system:
            raise invalid(name, f"Use the code system {system}.")
    return raw


def bundle(search: Search, entries: list[dict], total: int, base: str) -> dict:
    """A ``searchset`` Bundle of one page, with ``total`` and ``self`` / ``previous`` / ``next`` links."""
    links = [{"relation": "self", "url": search.link(search.page)}]
    if search.page > 1:
        links.append({"relation": "previous", "url": search.link(search.page - 1)})
    if search.offset + len(entries) < total:
        links.append({"relation": "next", "url": search.link(search.page + 1)})
    return searchset(entries, total, base, links)


def searchset(entries: list[dict], total: int, base: str, links: list[dict] | None = None) -> dict:
    body = {"resourceType": "Bundle", "type": "searchset", "total": total}
    if links:
        body["link"] = links
    body["entry"] = [
        {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}} for r in entries
    ]
    if not body["entry"]:
        del body["entry"]
    return body
