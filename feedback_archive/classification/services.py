from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from feedback_archive.core import segmenter
from feedback_archive.feedback.models import Feedback
from feedback_archive.taxonomy.models import Label

from . import pipeline
from .models import Sentiment, Suggestion
from .selectors import taxonomy_snapshot

_taxonomy_cache: dict = {"stamp": None, "data": None}


def _taxonomy() -> list[dict]:
    """Taxonomy snapshot, rebuilt — and the tokenizer's user words reloaded — when a label is
    added, edited or removed (so keyword edits in the admin take effect on the next job)."""
    stamp = tuple(Label.objects.aggregate(n=Count("id"), m=Max("updated_at")).values())
    if _taxonomy_cache["stamp"] != stamp:
        data = taxonomy_snapshot()
        words = {kw.rpartition(":")[0] if ":" in kw else kw for d in data for lab in d["labels"] for kw in lab["keywords"]}
        segmenter.set_user_words(w for w in words if len(w) >= 2)
        _taxonomy_cache.update(stamp=stamp, data=data)
    return _taxonomy_cache["data"]


def feedback_classify(*, feedback_id: int) -> bool:
    """Compute and store suggestions and sentiment for one feedback. Idempotent: running it again
    replaces the previous suggestions. Returns False when the feedback no longer exists."""
    feedback = Feedback.objects.filter(pk=feedback_id).only("id", "title", "content", "release_id", "platform").first()
    if feedback is None:
        return False
    taxonomy = _taxonomy()
    result = pipeline.classify(title=feedback.title, content=feedback.content, taxonomy=taxonomy,
                               context={"release_id": feedback.release_id, "platform": feedback.platform})
    _store(feedback, result)
    return True


def _store(feedback: Feedback, result: dict) -> None:
    labels = {(lab.dimension.code, lab.code): lab for lab in Label.objects.select_related("dimension")}
    with transaction.atomic():
        for dim, sug in (result.get("suggestions") or {}).items():
            label = labels.get((dim, sug.get("label")))
            if label is None:
                continue
            Suggestion.objects.update_or_create(
                feedback=feedback, dimension=label.dimension,
                defaults={"label": label, "confidence": round(float(sug.get("confidence", 0)), 4),
                          "evidence": list(sug.get("evidence") or [])[:20], "model_version": result.get("model_version", "")},
            )
        sentiment = result.get("sentiment") or {}
        Sentiment.objects.update_or_create(
            feedback=feedback,
            defaults={"polarity": float(sentiment.get("polarity", 0.0)), "intent": sentiment.get("intent") or "",
                      "language": result.get("language", ""), "evidence": list(sentiment.get("evidence") or [])[:20],
                      "model_version": result.get("model_version", "")},
        )
        Feedback.objects.filter(pk=feedback.pk).update(classified_at=timezone.now())


def feedback_classify_many(*, feedback_ids: list[int]) -> int:
    return sum(1 for fid in feedback_ids if feedback_classify(feedback_id=fid))


def unclassified_ids(*, older_than_seconds: int = 120, limit: int = 5000) -> list[int]:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(Feedback.objects.filter(classified_at__isnull=True, created_at__lt=cutoff)
                .order_by("id").values_list("id", flat=True)[:limit])
