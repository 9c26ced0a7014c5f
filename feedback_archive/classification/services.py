from __future__ import annotations

import json
import logging
import random

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from feedback_archive.core import segmenter
from feedback_archive.core.db import upsert_rows
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.filtersets import FeedbackFilterSet
from feedback_archive.feedback.models import Feedback, FeedbackLabel
from feedback_archive.taxonomy.models import Dimension, Label

from . import model as stat_model
from . import pipeline, training
from .choices import RunStatus
from .models import ClassificationRun, ClassifierModel, GoldExample, QuizAnswer, QuizAttempt, Sentiment, Suggestion
from .selectors import taxonomy_snapshot

logger = logging.getLogger(__name__)

RUN_STEP_TASK = "feedback_archive.classification.tasks.classification_run_step"
TRAIN_TASK = "feedback_archive.classification.tasks.train_models"

_taxonomy_cache: dict = {"stamp": None, "data": None}
_model_cache: dict = {"stamp": None, "model": None}


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
    """Compute and store suggestions and sentiment for one feedback (the job enqueued after each
    new feedback commits): a chunk of one. Idempotent: running it again replaces the previous
    suggestions. Returns False when the feedback no longer exists."""
    return _classify_chunk([feedback_id]) == 1


def active_model() -> stat_model.Ensemble | None:
    """The active learned models (at most one per dimension) as one blendable object, cached per
    process and reloaded when a training job activates or retires a model. A stored model that
    cannot be used (damaged, another format or library version) is refused with the reason in
    the log; its dimension falls back to the rules."""
    active = ClassifierModel.objects.filter(is_active=True)
    stamp = tuple(active.aggregate(n=Count("id"), m=Max("id"), t=Max("created_at")).values())
    if _model_cache["stamp"] != stamp:
        models, versions, shared = [], [], {}
        for row in active.select_related("dimension").order_by("dimension__order", "-id"):
            if any(m.dimension == row.dimension.code for m in models):
                continue
            try:
                models.append(stat_model.load_dimension(row.dimension.code, row.blob, shared=shared))
            except stat_model.ModelError as exc:
                logger.error("classifier model %s (%s, %s) refused: %s; the rules classify %s",
                             row.pk, row.version, row.dimension.code, exc, row.dimension.code)
                continue
            versions.append(row.version)
        model_id = "+".join(sorted(set(versions)))[:40]
        _model_cache.update(stamp=stamp, model=stat_model.Ensemble(models, model_id) if models else None)
    return _model_cache["model"]


def _label_map() -> dict[tuple[str, str], tuple[int, int]]:
    """(dimension code, label code) → (label id, dimension id)."""
    return {(dcode, lcode): (lid, did) for dcode, lcode, lid, did
            in Label.objects.values_list("dimension__code", "code", "id", "dimension_id")}


_FIELDS = ("id", "title", "content", "release_id", "platform")
_SUGGESTION_COLUMNS = ["feedback", "dimension", "label", "confidence", "evidence", "model_version", "created_at"]
_SENTIMENT_COLUMNS = ["feedback", "polarity", "intent", "language", "evidence", "model_version", "created_at"]


def _classify_chunk(feedback_ids) -> int:
    """The one classification path (single job and batch runs): the chunk's texts in one query
    (plain values: model instances would each fetch the deferred FSM `status` on load),
    taxonomy / model / labels once, then every suggestion and sentiment of the chunk written
    with two upserts in one transaction. Returns how many items still existed."""
    rows = list(Feedback.objects.filter(pk__in=list(feedback_ids)).order_by("id").values_list(*_FIELDS))
    if not rows:
        return 0
    taxonomy, model, labels = _taxonomy(), active_model(), _label_map()
    results = pipeline.classify_batch(
        [(title, content, {"release_id": release_id, "platform": platform})
         for _id, title, content, release_id, platform in rows],
        taxonomy=taxonomy, model=model)
    _store([r[0] for r in rows], results, labels)
    return len(rows)


def _store(ids: list[int], results: list[dict], labels: dict) -> None:
    """The rows `update_or_create` per item and dimension used to write (same values), upserted
    on the unique keys — one suggestion per feedback and dimension, one sentiment per feedback.
    `created_at` (auto_now) is set whenever a row is written; a row whose values did not change
    is left alone, and a dimension without a suggestion this time keeps its previous one."""
    now = Suggestion._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    suggestions, sentiments = [], []
    for fid, result in zip(ids, results):
        version = result.get("model_version", "")
        for dim, sug in (result.get("suggestions") or {}).items():
            label = labels.get((dim, sug.get("label")))
            if label is None:
                continue
            suggestions.append((fid, label[1], label[0], round(float(sug.get("confidence", 0)), 4),
                                json.dumps(list(sug.get("evidence") or [])[:20]), version, now))
        sentiment = result.get("sentiment") or {}
        # + 0.0 turns the pipeline's -0.0 into 0.0: PostgreSQL keeps a float8 -0 sent in an
        # array (the API would show "-0.0"); the old per-row insert happened to lose the sign
        sentiments.append((fid, float(sentiment.get("polarity", 0.0)) + 0.0, sentiment.get("intent") or "",
                           result.get("language", ""), json.dumps(list(sentiment.get("evidence") or [])[:20]),
                           version, now))
    # one commit per chunk instead of one per item: on SQLite each commit is an fsync
    with transaction.atomic():
        upsert_rows(Suggestion, _SUGGESTION_COLUMNS, suggestions, unique=["feedback", "dimension"], stamp="created_at")
        upsert_rows(Sentiment, _SENTIMENT_COLUMNS, sentiments, unique=["feedback"], stamp="created_at")
        # only the first classification sets it (it says "has been classified": the sweeper and
        # the demo look for NULL; the suggestions carry their own time): a reclassification run
        # then does not rewrite every feedback row, which on PostgreSQL means all ~20 indexes
        Feedback.objects.filter(pk__in=ids, classified_at__isnull=True).update(classified_at=timezone.now())


def feedback_classify_many(*, feedback_ids: list[int]) -> int:
    """Classify a chunk (a sweep job, one step of a batch run, or the intake pipeline's stage).
    Suggestions only: routing is the pipeline's next stage for new items, and a reclassification
    never moves an item between teams by itself. Idempotent like feedback_classify. Returns how
    many still existed."""
    return _classify_chunk(feedback_ids)


def unclassified_ids(*, older_than_seconds: int = 120, limit: int = 5000) -> list[int]:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    # items still in the intake pipeline are classified there (its own sweeper re-runs lost ones)
    return list(Feedback.objects.filter(classified_at__isnull=True, created_at__lt=cutoff, pipeline_state="understood")
                .order_by("id").values_list("id", flat=True)[:limit])


# --- batch (re)classification runs ------------------------------------------------------------

RUN_FILTER_KEYS = ("type", "severity", "scope", "module", "intent", "channel", "product", "platform", "release",
                   "status", "received_after", "received_before", "q")


def run_queryset(*, filters: dict):
    """The feedback a run covers, in id order: explicit `ids`, or the API's feedback filters."""
    qs = Feedback.objects.all()
    ids = filters.get("ids")
    if ids is not None:
        qs = qs.filter(pk__in=[int(i) for i in ids])
    params = {k: v for k, v in filters.items() if k in RUN_FILTER_KEYS and v not in (None, "")}
    if params:
        fs = FeedbackFilterSet(data=params, queryset=qs)
        if not fs.is_valid():
            raise ApplicationError(_("invalid filter"), fields={k: [str(m) for m in v] for k, v in fs.errors.items()})
        qs = fs.qs
    return qs.order_by("id")


def _describe(filters: dict) -> str:
    if "ids" in filters:
        return ngettext("%(n)d selected", "%(n)d selected", len(filters["ids"])) % {"n": len(filters["ids"])}
    parts = [f"{k}={v}" for k, v in filters.items() if k in RUN_FILTER_KEYS and v not in (None, "")]
    return ", ".join(parts) or _("all feedback")


def classification_run_start(*, actor: Actor, filters: dict | None = None, ids: list[int] | None = None,
                             description: str = "", chunk_size: int = 500) -> ClassificationRun:
    """Reclassify everything, a filtered set, or the given ids, in chunks as jobs (after commit)."""
    filters = {k: v for k, v in (filters or {}).items() if k in RUN_FILTER_KEYS and v not in (None, "")}
    unknown = set(filters) - set(RUN_FILTER_KEYS)
    if unknown:
        raise ApplicationError(_("unknown filter"), fields={k: [_("Unknown filter.")] for k in unknown})
    if ids is not None:
        try:
            filters["ids"] = sorted({int(i) for i in ids})
        except (TypeError, ValueError):
            raise ApplicationError(_("bad ids"), fields={"ids": [_("Expected feedback ids.")]}) from None
        if not filters["ids"]:
            raise ApplicationError(_("no feedback"), fields={"ids": [_("Select at least one feedback.")]})
    if not 1 <= int(chunk_size) <= 5000:
        raise ApplicationError(_("bad chunk size"), fields={"chunk_size": [_("Between %(min)d and %(max)d.") % {"min": 1, "max": 5000}]})
    total = run_queryset(filters=filters).count()
    with transaction.atomic():
        run = ClassificationRun.objects.create(
            filters=filters, description=(description or _describe(filters))[:300], total=total,
            chunk_size=int(chunk_size), created_by=actor.name[:150], model_version=_model_version(),
        )
        transaction.on_commit(lambda: classification_run_enqueue(run_id=run.pk))
    return run


def _model_version() -> str:
    model = active_model()
    return f"{pipeline.RULES_VERSION}+{model.model_id}" if model else pipeline.MODEL_VERSION


def classification_run_enqueue(*, run_id: int) -> None:
    from django_q.tasks import async_task

    async_task(RUN_STEP_TASK, run_id, task_name=f"classification-run-{run_id}", group="classification-run")


def classification_run_step(*, run_id: int) -> bool:
    """Process the next chunk after `last_id`. Returns True when more remain (the caller enqueues
    the next step). Safe to run twice or concurrently: progress advances by compare-and-set on
    `last_id`, and classifying an item twice only rewrites the same suggestions."""
    run = ClassificationRun.objects.filter(pk=run_id).first()
    if run is None or run.status in (RunStatus.DONE, RunStatus.CANCELLED):
        return False
    now = timezone.now()
    if run.status != RunStatus.RUNNING:
        ClassificationRun.objects.filter(pk=run.pk).exclude(status__in=[RunStatus.DONE, RunStatus.CANCELLED]).update(
            status=RunStatus.RUNNING, started_at=run.started_at or now, heartbeat_at=now, error="")
    start = run.last_id
    try:
        ids = list(run_queryset(filters=run.filters).filter(pk__gt=start).values_list("id", flat=True)[:run.chunk_size])
        if ids:
            feedback_classify_many(feedback_ids=ids)
    except Exception as exc:
        ClassificationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=repr(exc)[:2000],
                                                           heartbeat_at=timezone.now())
        raise
    if not ids:
        ClassificationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(),
            total=F("done"))
        return False
    advanced = ClassificationRun.objects.filter(pk=run.pk, last_id=start, status=RunStatus.RUNNING).update(
        last_id=ids[-1], done=F("done") + len(ids), heartbeat_at=timezone.now(), model_version=_model_version())
    # 0 rows: another step already took this chunk (a retried job), or the run was cancelled;
    # that step carries on, this one stops.
    return bool(advanced)


def classification_run_resume(*, run: ClassificationRun, actor: Actor) -> ClassificationRun:
    """Continue a failed or stalled run from its last processed id."""
    if run.status in (RunStatus.DONE, RunStatus.CANCELLED):
        raise ConflictError(_("Run #%(id)s is %(status)s; start a new run instead.") % {"id": run.pk, "status": run.get_status_display()})
    with transaction.atomic():
        ClassificationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, error="", heartbeat_at=timezone.now())
        transaction.on_commit(lambda: classification_run_enqueue(run_id=run.pk))
    run.refresh_from_db()
    logger.info("classification run %s resumed by %s at id %s", run.pk, actor.name, run.last_id)
    return run


def classification_run_cancel(*, run: ClassificationRun, actor: Actor) -> ClassificationRun:
    if run.status in (RunStatus.DONE, RunStatus.CANCELLED):
        return run
    ClassificationRun.objects.filter(pk=run.pk).update(status=RunStatus.CANCELLED, finished_at=timezone.now())
    run.refresh_from_db()
    logger.info("classification run %s cancelled by %s", run.pk, actor.name)
    return run


def stalled_run_ids(*, older_than_seconds: int = 600) -> list[int]:
    """Runs whose worker died mid-chunk: pending or running with no progress for a while."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(ClassificationRun.objects.filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING])
                .filter(heartbeat_at__lt=cutoff).values_list("id", flat=True)) + list(
        ClassificationRun.objects.filter(status=RunStatus.PENDING, heartbeat_at__isnull=True, created_at__lt=cutoff)
        .values_list("id", flat=True))


# --- statistical models -----------------------------------------------------------------------

WEIGHT_GRID = training.WEIGHT_GRID


def _min_examples() -> int:
    return settings.CLASSIFICATION_MODEL_MIN_EXAMPLES


def seed_rows() -> list[tuple[str, str, dict]]:
    """The seed training set shipped with the product (`CLASSIFICATION_SEED_PATH`, JSON lines of
    {"id", "text", "labels": {dimension: label}}): real user reports labelled per the standard,
    so a new installation learns before its agents confirmed anything. Never the test split."""
    path = settings.CLASSIFICATION_SEED_PATH
    if path is None:
        from pathlib import Path

        path = Path(__file__).resolve().parent / "data" / "seed_training.jsonl"
    try:
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    except FileNotFoundError:
        return []
    return [(f"seed-{r['id']}", r["text"], r.get("labels") or {}) for r in rows if r.get("text")]


def classifier_train(*, actor: Actor, min_examples: int | None = None, use_seed: bool = True) -> list[ClassifierModel]:
    """Train one linear model per dimension on the confirmed labels (FeedbackLabel) plus the
    shipped seed set, gated as `training.fit_dimension` describes; an active model retires the
    dimension's previous one. Runs in a job (tasks.train_models), never in a request."""
    min_examples = _min_examples() if min_examples is None else min_examples
    taxonomy = _taxonomy()
    version = base = f"lr-{timezone.now():%Y%m%d-%H%M%S}"
    suffix = 1
    while ClassifierModel.objects.filter(version=version).exists():
        suffix += 1
        version = f"{base}-{suffix}"
    seed = seed_rows() if use_seed else []
    dims = list(Dimension.objects.order_by("order"))
    per_dim: dict[str, list[tuple[object, str, str]]] = {}
    texts: dict[object, str] = {}
    for dim in dims:
        codes = set(Label.objects.filter(dimension=dim, is_active=True).values_list("code", flat=True))
        rows = list(FeedbackLabel.objects.filter(dimension=dim, label__is_active=True).order_by("feedback_id")
                    .values_list("feedback_id", "feedback__title", "feedback__content", "label__code"))
        items = []
        for fid, title, content, code in rows:
            texts[fid] = f"{title}\n{content}"
            items.append((fid, texts[fid], code))
        for key, text, labels in seed:
            if labels.get(dim.code) in codes:
                texts[key] = text
                items.append((key, text, labels[dim.code]))
        per_dim[dim.code] = items
    if not texts:
        return []
    keys = list(texts)
    prepared = training.Prepared(keys, [texts[k] for k in keys])   # one segmentation for every dimension
    shared: dict = {}
    created = []
    for dim in dims:
        items = per_dim[dim.code]
        if len(items) < 10 or len({it[2] for it in items}) < 2:
            continue  # nothing a model could learn yet; the rules keep working
        confirmed = sum(1 for it in items if not str(it[0]).startswith("seed-"))
        fitted = training.fit_dimension(items, dimension=dim.code, taxonomy=taxonomy, min_examples=min_examples,
                                        prepared=prepared, shared=shared)
        metrics, active = fitted["metrics"], fitted["active"]
        metrics.update(confirmed=confirmed, seed=len(items) - confirmed)
        blob = stat_model.dump_dimension(fitted["model"])
        with transaction.atomic():
            row = ClassifierModel.objects.create(version=version, dimension=dim, trained_on=len(items),
                                                 algorithm=stat_model.ALGORITHM, metrics=metrics, blob=blob,
                                                 is_active=active)
            if active:
                ClassifierModel.objects.filter(dimension=dim, is_active=True).exclude(pk=row.pk).update(is_active=False)
        created.append(row)
    logger.info("classifier models %s trained by %s: %s", version, actor.name,
                {r.dimension.code: r.metrics.get("reason") for r in created})
    return created


def classifier_train_enqueue(*, actor: Actor) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(TRAIN_TASK, actor.name, task_name=f"train-models-{timezone.now():%H%M%S}",
                                             group="classification-train"))


def classifier_set_active(*, model: ClassifierModel, active: bool, actor: Actor) -> None:
    """A lead may retire a model (back to rules only) or force one on."""
    with transaction.atomic():
        if active:
            ClassifierModel.objects.filter(dimension=model.dimension, is_active=True).exclude(pk=model.pk).update(is_active=False)
        ClassifierModel.objects.filter(pk=model.pk).update(is_active=active)
    logger.info("classifier model %s set active=%s by %s", model.pk, active, actor.name)


# --- quiz ---------------------------------------------------------------------------------------

def quiz_start(*, user, dimensions: list[str], per_dimension: int = 20, seed: int | None = None) -> QuizAttempt:
    """Draw `per_dimension` active gold examples for each chosen dimension."""
    if not 1 <= int(per_dimension) <= 100:
        raise ApplicationError(_("bad size"), fields={"per_dimension": [_("Between %(min)d and %(max)d.") % {"min": 1, "max": 100}]})
    dims = list(Dimension.objects.filter(code__in=dimensions).order_by("order"))
    if not dims:
        raise ApplicationError(_("no dimension"), fields={"dimensions": [_("Choose at least one dimension.")]})
    rng = random.Random(seed)
    picked = []
    for dim in dims:
        pool = list(GoldExample.objects.filter(dimension=dim, is_active=True, label__is_active=True)
                    .values_list("id", flat=True))
        picked += rng.sample(pool, min(per_dimension, len(pool)))
    if not picked:
        raise ApplicationError(_("empty gold set"), fields={"dimensions": [_("There are no gold examples for these dimensions.")]})
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(user=user, user_name=user.get_username(),
                                             dimensions=[d.code for d in dims], per_dimension=per_dimension)
        QuizAnswer.objects.bulk_create([QuizAnswer(attempt=attempt, example_id=ex, position=i)
                                        for i, ex in enumerate(picked)])
    return attempt


def quiz_submit(*, attempt: QuizAttempt, answers: dict[int, int], user) -> QuizAttempt:
    """`answers`: QuizAnswer id → chosen Label id. Scores per dimension, with Cohen's kappa of the
    agent's answers against the gold labels."""
    from . import metrics

    if attempt.user_id != getattr(user, "pk", None):
        raise ApplicationError(_("not yours"), fields={"attempt": [_("This quiz belongs to another agent.")]})
    if attempt.submitted_at is not None:
        raise ConflictError(_("This quiz was already submitted."))
    rows = list(attempt.answers.select_related("example__label", "example__dimension"))
    valid = {lab.pk: lab for lab in Label.objects.filter(is_active=True)}
    errors = {}
    for ans in rows:
        chosen = valid.get(answers.get(ans.pk))
        if chosen is None or chosen.dimension_id != ans.example.dimension_id:
            errors[f"answer_{ans.pk}"] = [_("Choose a label.")]
    if errors:
        raise ApplicationError(_("unanswered"), fields=errors)
    with transaction.atomic():
        attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.submitted_at is not None:
            raise ConflictError(_("This quiz was already submitted."))
        by_dim: dict[str, list] = {}
        for ans in rows:
            ans.chosen = valid[answers[ans.pk]]
            ans.correct = ans.chosen.pk == ans.example.label_id
            by_dim.setdefault(ans.example.dimension.code, []).append((ans.chosen.code, ans.example.label.code))
        QuizAnswer.objects.bulk_update(rows, ["chosen", "correct"])
        results = {}
        for dcode, pairs in by_dim.items():
            s = metrics.summary(metrics.matrix_from_pairs(pairs))
            results[dcode] = {"n": s["n"], "correct": sum(a == b for a, b in pairs), "accuracy": s["accuracy"],
                              "kappa": s["kappa"]}
        attempt.results = results
        attempt.score = sum(r["correct"] for r in results.values()) / max(1, sum(r["n"] for r in results.values()))
        attempt.submitted_at = timezone.now()
        attempt.save(update_fields=["results", "score", "submitted_at"])
    return attempt
