from django.db.models import Exists, OuterRef

from feedback_archive.feedback.models import FeedbackLabel
from feedback_archive.taxonomy.models import Dimension, Label

from .models import Suggestion
from .pipeline import plain_evidence


def confidence_percent(value) -> int:
    """The one confidence format a person sees: a whole percent (0.834 → 83)."""
    try:
        return max(0, min(100, round(float(value) * 100)))
    except (TypeError, ValueError):
        return 0


def evidence_words(feedback) -> list[str]:
    """The words the classifier found in this feedback's text, for a person: deduplicated, in
    suggestion order (type, severity, scope, module, intent, then sentiment), never an internal
    tag (`model:`, `phrase:`, `rule:negated`, `neg:`, `p=0.93`, `+word`) — rows stored by older
    versions are cleaned on the way out. The admin highlights them in the user's text."""
    from .models import Sentiment, Suggestion

    fid = getattr(feedback, "pk", feedback)
    lists = list(Suggestion.objects.filter(feedback_id=fid).order_by("dimension__order")
                 .values_list("evidence", flat=True))
    lists += list(Sentiment.objects.filter(feedback_id=fid).values_list("evidence", flat=True))
    out: list[str] = []
    for ev in lists:
        for word in plain_evidence([e for e in (ev or []) if "p=" not in str(e)], limit=50):
            if word not in out:
                out.append(word)
    return out


def taxonomy_snapshot() -> list[dict]:
    """The taxonomy as plain data for the pure pipeline (the shape of taxonomy/standard.py)."""
    dims = Dimension.objects.prefetch_related("labels").order_by("order")
    return [
        {
            "code": d.code,
            "labels": [
                {
                    "code": lab.code, "name_zh": lab.name_zh, "name_en": lab.name_en,
                    "keywords": [line.strip() for line in lab.keywords.splitlines() if line.strip()],
                    "negative_keywords": lab.negative_keyword_list,
                    "positive_examples": lab.example_list,
                }
                for lab in d.labels.all() if lab.is_active
            ],
        }
        for d in dims
    ]


# --- quality: suggestions against confirmed labels, and agents against each other -------------

def quality_suggestion_matrix(*, dimension: Dimension) -> dict[tuple[str, str], int]:
    """{(suggested label, confirmed label): count}, counted by the database (GROUP BY)."""
    from django.db.models import Count, OuterRef, Subquery

    from feedback_archive.feedback.models import FeedbackLabel

    from .models import Suggestion

    suggested = Suggestion.objects.filter(feedback=OuterRef("feedback"), dimension=dimension).values("label__code")[:1]
    rows = (FeedbackLabel.objects.filter(dimension=dimension)
            .annotate(suggested=Subquery(suggested)).exclude(suggested=None)
            .values("suggested", "label__code").annotate(n=Count("id")).order_by())
    return {(r["suggested"], r["label__code"]): r["n"] for r in rows}


_PEOPLE = ("admin", "api")


def agent_label_pairs(*, dimension: Dimension) -> list[tuple[str, str]]:
    """(earlier agent's label, later agent's label) for every item two different people labelled:
    each person's last word on a feedback from the audit trail (`labels.<dim>` changes), and each
    agent's latest quiz answer on a gold example. Only items with two or more people are read."""
    from django.db.models import Count

    from feedback_archive.feedback.models import FieldChange

    from .models import QuizAnswer

    field = f"labels.{dimension.code}"
    people = FieldChange.objects.filter(field=field, via__in=_PEOPLE).exclude(new="")
    multi = people.values("feedback_id").annotate(k=Count("actor_name", distinct=True)).filter(k__gte=2).values("feedback_id")
    audit = people.filter(feedback_id__in=multi).order_by("feedback_id", "at", "id").values_list("feedback_id", "actor_name", "new")
    answered = QuizAnswer.objects.filter(example__dimension=dimension, chosen__isnull=False)
    multi_q = answered.values("example_id").annotate(k=Count("attempt__user_name", distinct=True)).filter(k__gte=2).values("example_id")
    quiz = (answered.filter(example_id__in=multi_q).order_by("example_id", "attempt__submitted_at", "id")
            .values_list("example_id", "attempt__user_name", "chosen__code"))
    pairs: list[tuple[str, str]] = []
    for rows in (audit, quiz):
        last: dict[object, dict[str, str]] = {}
        for item, who, code in rows:
            # dict order = who labelled first; the value is that person's last word
            last.setdefault(item, {})[who] = code
        for per in last.values():
            codes = list(per.values())
            pairs += [(codes[i], codes[j]) for i in range(len(codes)) for j in range(i + 1, len(codes))]
    return pairs


def suggested_label_feedback(*, dimension: str, codes: list[str]):
    """Feedback ids (a subquery) whose classifier suggestion on `dimension` is one of `codes` — for
    higher layers (the workflow's planning queue) that must not read the suggestion table themselves."""
    from .models import Suggestion

    return Suggestion.objects.filter(dimension__code=dimension, label__code__in=codes).values("feedback_id")


def with_label_or_suggestion(qs, dimension: str, codes: list[str]):
    """含建议 (the admin's label filters and the API's `suggested=true`): the confirmed label is one of `codes`, or nothing is confirmed for the dimension yet
    and the machine suggests one of them (the queue of items still to confirm)."""
    rows = list(Label.objects.filter(dimension__code=dimension, code__in=[c for c in codes if c])
                .values_list("id", "dimension_id"))
    if not rows:
        return qs.none()
    ids, dim_id = [r[0] for r in rows], rows[0][1]
    confirmed = FeedbackLabel.objects.filter(feedback=OuterRef("pk"), dimension_id=dim_id, label_id__in=ids)
    any_confirmed = FeedbackLabel.objects.filter(feedback=OuterRef("pk"), dimension_id=dim_id)
    suggested = Suggestion.objects.filter(feedback=OuterRef("pk"), dimension_id=dim_id, label_id__in=ids)
    return qs.filter(Exists(confirmed) | (Exists(suggested) & ~Exists(any_confirmed)))
