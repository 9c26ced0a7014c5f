"""Filtering shared by the API's FilterSet, the admin's list filters and the selectors: one
definition of what "type=performance", "q=卡顿" or "sla_breached" means."""
from django.db import connection, models
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL

from feedback_archive.core import segmenter

from .choices import Status


class FeedbackQuerySet(models.QuerySet):
    def with_labels(self, dimension: str, codes):
        """Confirmed label of `dimension` is one of `codes`."""
        from .models import FeedbackLabel

        codes = [c for c in codes if c]
        if not codes:
            return self
        links = FeedbackLabel.objects.filter(
            feedback=OuterRef("pk"), dimension__code=dimension, label__code__in=codes
        )
        return self.filter(Exists(links))

    def without_label(self, dimension: str):
        from .models import FeedbackLabel

        return self.exclude(Exists(FeedbackLabel.objects.filter(feedback=OuterRef("pk"), dimension__code=dimension)))

    def duplicates(self, value: bool = True):
        return self.filter(canonical__isnull=not value)

    def breached(self, value: bool = True):
        return self.filter(sla_breached=value)

    def open(self):
        return self.exclude(status=Status.CLOSED)

    def search(self, query: str, *, ranked: bool = True):
        """Chinese full-text search over the jieba tokens in `search_text`: every query term must
        be present. PostgreSQL uses the GIN-indexed tsvector and ranks by relevance, then recency."""
        terms = segmenter.query_terms(query or "")
        if not terms:
            return self
        if connection.vendor == "postgresql":
            tsquery = " ".join(terms)
            qs = self.extra(
                where=["to_tsvector('simple', feedback_feedback.search_text) @@ plainto_tsquery('simple', %s)"],
                params=[tsquery],
            )
            if ranked:
                qs = qs.annotate(
                    search_rank=RawSQL(
                        "ts_rank(to_tsvector('simple', feedback_feedback.search_text), plainto_tsquery('simple', %s))",
                        (tsquery,),
                    )
                ).order_by("-search_rank", "-received_at", "-id")
            return qs
        qs = self
        for term in terms:
            qs = qs.filter(search_text__contains=f" {term} ")
        return qs
