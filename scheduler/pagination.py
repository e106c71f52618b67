"""Pagination for every list: ``{count, next, previous, results}``."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``{count, next, previous, results}``; ``?page_size=`` up to a hard cap."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
