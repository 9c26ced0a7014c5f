from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from feedback_archive.core.db import estimated_rows


class CappedCountPagination(PageNumberPagination):
    """Page-number pagination that never counts more than CAP rows: with a million feedback, an
    exact COUNT(*) of a broad search costs more than the page itself. Up to CAP (SEARCH_CAP with
    `q`) the count is exact; beyond it `count` is null and `count_more_than` says so. When the
    PostgreSQL planner expects more than ten times the cap, nothing is counted and its estimate is
    given as `count_estimate` (the contract allows lists with next/previous instead of a count)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    CAP = 10_000
    SEARCH_CAP = 2_000  # a full-text match set is counted up to here (the same window that is ranked)

    def paginate_queryset(self, queryset, request, view=None):
        size = self.get_page_size(request)
        try:
            number = max(int(request.query_params.get(self.page_query_param, 1)), 1)
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * size
        if start >= 2 ** 62:  # no table is that long, and the database's integers are not either
            raise NotFound("Invalid page.")
        window = list(queryset[start:start + size + 1])  # one extra row says whether a next page exists
        self.request, self.number, self.size = request, number, size
        self.has_next = len(window) > size
        self.cap = self.SEARCH_CAP if (request.query_params.get("q") or "").strip() else self.CAP
        self.estimate = None
        if start == 0 and not self.has_next:
            self.total = len(window)
        elif not hasattr(queryset, "order_by"):
            self.total = len(queryset)
        else:
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate > 10 * self.cap:
                # certainly far beyond the cap: even a capped count would scan tens of thousands of rows
                self.total, self.estimate = None, estimate
            else:
                capped = queryset.order_by()[: self.cap + 1].count()
                self.total = capped if capped <= self.cap else None
        if number > 1 and not window:
            raise NotFound("Invalid page.")
        return window[:size]

    def _link(self, number):
        url = self.request.build_absolute_uri()
        if number is None:
            return None
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        body = {"count": self.total}
        if self.total is None and self.estimate is not None:
            body["count_estimate"] = self.estimate
        elif self.total is None:
            body["count_more_than"] = self.cap
        body.update({"next": self._link(self.number + 1) if self.has_next else None,
                     "previous": self._link(self.number - 1) if self.number > 1 else None,
                     "results": data})
        return Response(body)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object", "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "nullable": True,
                          "description": f"exact up to {self.CAP} ({self.SEARCH_CAP} with q), else null"},
                "count_more_than": {"type": "integer", "description": "present when count is null because more rows than the cap were counted"},
                "count_estimate": {"type": "integer", "description": "present when count is null and nothing was counted: "
                                   "the database planner's estimate, far beyond the cap (PostgreSQL)"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
