"""Pagination for every list: ``{count, next, previous, results}``."""

from collections.abc import Callable, Sequence

from django.core.paginator import InvalidPage, Paginator
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

# An OFFSET is a signed 64-bit integer in SQL; no list has more rows than that.
MAX_OFFSET = 2**63 - 1
# fetch(limit, offset) -> (rows, count), the count being None when the rows are empty and offset > 0.
CountingFetch = Callable[[int, int], tuple[Sequence, int | None]]


class Pagination(PageNumberPagination):
    """``{count, next, previous, results}``; ``?page_size=`` up to a hard cap."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_fetch(self, fetch: CountingFetch, request) -> list:
        """``paginate_queryset`` for a fetch that returns one page and the total count together.

        The answers are those of ``paginate_queryset``: the same links, ``?page=last``, and 404 "Invalid
        page." for a page number that is not a positive integer or lies past the last page.
        """
        self.request = request
        size = self.get_page_size(request)
        requested = request.query_params.get(self.page_query_param) or 1
        try:
            if requested in self.last_page_strings:
                # The last page's number needs the count: the first page brings it, and often is the last.
                rows, count = fetch(size, 0)
                number = self._paginator(count, size).num_pages
                if number > 1:
                    rows, count = fetch(size, (number - 1) * size)
            else:
                number = int(requested)
                if number < 1 or (number - 1) * size > MAX_OFFSET:
                    raise InvalidPage
                rows, count = fetch(size, (number - 1) * size)
            if count is None:
                raise InvalidPage
            self.page = self._paginator(count, size).page(number)
        except (ValueError, InvalidPage) as exc:
            raise NotFound(self.invalid_page_message) from exc
        self.page.object_list = list(rows)
        return self.page.object_list

    def _paginator(self, count: int, size: int) -> Paginator:
        paginator = self.django_paginator_class((), size)
        paginator.count = count  # a cached property: set, it is never computed from the empty list
        return paginator
