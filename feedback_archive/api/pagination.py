from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class CappedCountPagination(PageNumberPagination):
    """Page-number pagination that never counts more than CAP rows: with a million feedback, an
    exact COUNT(*) of a broad search costs more than the page itself. Up to CAP the count is
    exact; beyond it `count` is null and `count_more_than` says so (the contract allows lists with
    next/previous instead of a count)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    CAP = 10_000

    def paginate_queryset(self, queryset, request, view=None):
        size = self.get_page_size(request)
        try:
            number = max(int(request.query_params.get(self.page_query_param, 1)), 1)
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * size
        window = list(queryset[start:start + size + 1])  # one extra row says whether a next page exists
        self.request, self.number, self.size = request, number, size
        self.has_next = len(window) > size
        if start == 0 and not self.has_next:
            self.total = len(window)
        else:
            capped = queryset.order_by()[: self.CAP + 1].count() if hasattr(queryset, "order_by") else len(queryset)
            self.total = capped if capped <= self.CAP else None
        if number > 1 and not window:
            from rest_framework.exceptions import NotFound

            raise NotFound("Invalid page.")
        return window[:size]

    def _link(self, number):
        from rest_framework.utils.urls import remove_query_param, replace_query_param

        url = self.request.build_absolute_uri()
        if number is None:
            return None
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        body = {"count": self.total}
        if self.total is None:
            body["count_more_than"] = self.CAP
        body.update({"next": self._link(self.number + 1) if self.has_next else None,
                     "previous": self._link(self.number - 1) if self.number > 1 else None,
                     "results": data})
        return Response(body)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object", "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "nullable": True, "description": f"exact up to {self.CAP}, else null"},
                "count_more_than": {"type": "integer", "description": "present when count is null"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
