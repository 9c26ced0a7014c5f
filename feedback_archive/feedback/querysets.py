"""Filtering shared by the API's FilterSet, the admin's list filters and the selectors: one
definition of what "type=performance", "q=卡顿" or "sla_breached" means."""
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from feedback_archive.core import segmenter
from feedback_archive.core.db import estimated_rows
from feedback_archive.taxonomy.models import Dimension, Label

from .choices import PipelineState, Status

RANK_WINDOW = 2000


class FeedbackQuerySet(models.QuerySet):
    def with_labels(self, dimension: str, codes):
        """Confirmed label of `dimension` is one of `codes`. The label ids are looked up first
        (a tiny table), so the database probes the (feedback, dimension) index per row instead
        of joining the label tables into every row's check — 5 s vs 0.1 s at a million rows."""
        from .models import FeedbackLabel

        codes = [c for c in codes if c]
        if not codes:
            return self
        rows = list(Label.objects.filter(dimension__code=dimension, code__in=codes).values_list("id", "dimension_id"))
        if not rows:
            return self.none()
        links = FeedbackLabel.objects.filter(
            feedback=OuterRef("pk"), dimension_id=rows[0][1], label_id__in=[r[0] for r in rows]
        )
        return self.filter(Exists(links))

    def without_label(self, dimension: str):
        from .models import FeedbackLabel

        dim_id = Dimension.objects.filter(code=dimension).values_list("id", flat=True).first()
        return self.exclude(Exists(FeedbackLabel.objects.filter(feedback=OuterRef("pk"), dimension_id=dim_id)))

    def duplicates(self, value: bool = True):
        return self.filter(canonical__isnull=not value)

    def breached(self, value: bool = True):
        return self.filter(sla_breached=value)

    def open(self):
        return self.exclude(status=Status.CLOSED)

    def with_open_proposal(self):
        """Items the matcher proposed for a problem that nobody has accepted or rejected yet."""
        from .models import ProblemProposal

        open_ = ProblemProposal.objects.filter(feedback=OuterRef("pk"), decision=ProblemProposal.Decision.OPEN)
        return self.filter(Exists(open_))

    def in_pipeline_state(self, states):
        """`pipeline_state` one of `states` (received / understood / failed); "not_understood" is
        received or failed — the pipeline's backlog, read through its partial index."""
        states = set(states)
        q = Q()
        if "not_understood" in states:
            q |= ~Q(pipeline_state=PipelineState.UNDERSTOOD)
            states.discard("not_understood")
        if states:
            q |= Q(pipeline_state__in=sorted(states))
        return self.filter(q)

    @staticmethod
    def _few_matches(qs, *, single_word: bool) -> bool:
        """At most RANK_WINDOW matches? A single word the planner expects tens of thousands of
        times (its statistics keep the frequencies of common lexemes) is answered without
        counting; anything else is counted, up to RANK_WINDOW + 1 rows."""
        if single_word:
            estimate = estimated_rows(qs)
            if estimate is not None and estimate > 10 * RANK_WINDOW:
                return False
        return qs.order_by()[: RANK_WINDOW + 1].count() <= RANK_WINDOW

    def search(self, query: str, *, ranked: bool = True):
        """Chinese full-text search over the jieba tokens in `search_text`: every query word must
        be present in one of its forms (see segmenter.query_groups). PostgreSQL uses the
        GIN-indexed tsvector and ranks by relevance, then recency."""
        groups = segmenter.query_groups(query or "")
        if not groups:
            # A blank query is no filter; a query of only punctuation or symbols ("？", "!!!")
            # names no word, so nothing contains it all — an empty result, not everything.
            return self if not (query or "").strip() else self.none()
        if connection.vendor == "postgresql":
            def lexeme(token):
                return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

            tsquery = " & ".join(
                "(" + " | ".join("(" + " & ".join(lexeme(t) for t in option) + ")" for option in options) + ")"
                for options in groups
            )
            qs = self.extra(
                where=["feedback_feedback.search_vector @@ to_tsquery('simple', %s)"],
                params=[tsquery],
            )
            # Ranking sorts every match by ts_rank: cheap for a specific query, seconds for a
            # common word with a quarter of a million matches. Those are shown newest first.
            if ranked and self._few_matches(qs, single_word=len(groups) == 1):
                qs = qs.annotate(
                    search_rank=RawSQL(
                        "ts_rank(feedback_feedback.search_vector, to_tsquery('simple', %s))",
                        (tsquery,),
                    )
                ).order_by("-search_rank", "-received_at", "-id")
            return qs
        condition = Q()
        for options in groups:
            any_form = Q()
            for option in options:
                all_tokens = Q()
                for token in option:
                    all_tokens &= Q(search_text__contains=f" {token} ")
                any_form |= all_tokens
            condition &= any_form
        return self.filter(condition)
