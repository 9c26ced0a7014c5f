"""The worker pipeline: what intake no longer does in the request (issue #17).

Intake stores an item as `received` and enqueues one job per batch; the job runs the stages below,
in this order, for its items:

  1. reporter    — reporter upsert and release mapping (feedback.feedback_resolve_sources)
  2. tokens      — segmentation, once, into the search tokens (feedback.feedback_index)
  3. match       — duplicate / problem links (feedback.feedback_match)
  4. classify    — suggestions and sentiment, one pass (classification.feedback_classify_many)
  5. route       — routing and the SLA clock (workflow.routing / workflow.sla)
  6. acknowledge — the "received" reply for channels that send one (workflow.outbox)

`Feedback.pipeline_stage` is the number of stages done. A stage whose effects are not idempotent
(match counts links, route may assign, acknowledge writes a reply) commits its effects and the
stage marker in ONE transaction, after locking the rows still at the previous stage (SKIP LOCKED on
PostgreSQL: a second job on the same items leaves them to the first). Classification is an
idempotent upsert computed outside any lock (it is the CPU-heavy part): a worker killed between
its commit and the marker classifies again and writes the same rows. So a killed job resumes at
the next stage and no stage's effect happens twice.

Before any stage a job claims its rows (`pipeline_claim`: a token and a lease set in one UPDATE),
so concurrent jobs work on disjoint batches; a killed worker's claim lapses after
PIPELINE_CLAIM_LEASE_SECONDS. The per-stage SKIP LOCKED stays as the guarantee that a stage's effect
happens once even if two jobs ever hold the same rows (a lease that lapsed on a merely slow job).
Every stage works on the whole chunk: routing and the SLA clock included (workflow.route_batch,
workflow.sla_refresh_many), one UPDATE records the stage for the chunk.

A stage that raises for a chunk is retried item by item, so one bad text fails alone: it is marked
`failed` with the stage and the error and retried with back-off by the sweeper
(`pipeline_sweep`); after PIPELINE_MAX_ATTEMPTS it stays `failed`, visible and filterable, until
someone re-runs it (`intake.services.pipeline_rerun`). Nothing is silently skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from feedback_archive.classification.services import feedback_classify_many
from feedback_archive.feedback.choices import PipelineState
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.services import (
    feedback_index,
    feedback_match,
    feedback_resolve_sources,
    is_deadlock,
    search_tokens_for,
)
from feedback_archive.workflow.regressions import problem_regressions_handle
from feedback_archive.workflow.replies import feedback_acknowledge
from feedback_archive.workflow.routing import route_batch
from feedback_archive.workflow.sla import sla_refresh_many

logger = logging.getLogger(__name__)

CHUNK = 200  # items per stage transaction: short write locks (SQLite has one writer at a time)


def _reporter(ids: list[int], pre) -> None:
    feedback_resolve_sources(feedback_ids=ids)


def _tokens_pre(ids: list[int]) -> dict[int, list[str]]:
    rows = Feedback.objects.filter(pk__in=ids).values_list("id", "title", "content")
    return {pk: search_tokens_for(title, content) for pk, title, content in rows}


def _tokens(ids: list[int], pre) -> None:
    feedback_index(feedback_ids=ids, tokens=pre)


def _match(ids: list[int], pre) -> None:
    feedback_match(feedback_ids=ids)
    # a fixed problem reported again on its fix release or later is reopened and its team alerted
    problem_ids = set(Feedback.objects.filter(pk__in=ids, problem__isnull=False).values_list("problem_id", flat=True))
    if problem_ids:
        problem_regressions_handle(problem_ids=problem_ids)


def _classify(ids: list[int], pre) -> None:
    # routing is the pipeline's next stage, so the classification service must not enqueue it
    feedback_classify_many(feedback_ids=ids)


def _route(ids: list[int], pre) -> None:
    # the whole chunk at once: rules, policies and calendar loaded once, the rows read once,
    # decisions and SLA clocks written in bulk (per item this was ~10 statements)
    now = timezone.now()
    route_batch(feedback_ids=ids, now=now)
    sla_refresh_many(feedback_ids=ids, now=now)


def _acknowledge(ids: list[int], pre) -> None:
    feedback_acknowledge(feedback_ids=ids)


class Stage:
    def __init__(self, name: str, run, *, atomic: bool = True, pre=None):
        self.name, self.run, self.atomic, self.pre = name, run, atomic, pre


STAGES = (
    Stage("reporter", _reporter),
    Stage("tokens", _tokens, pre=_tokens_pre),
    Stage("match", _match),
    Stage("classify", _classify, atomic=False),
    Stage("route", _route),
    Stage("acknowledge", _acknowledge),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


def stage_name(done: int) -> str:
    """The stage an item with `done` stages completed is at (for messages and the admin)."""
    return STAGE_NAMES[done] if done < len(STAGES) else "done"


def _transient(exc: BaseException) -> bool:
    """A deadlock victim (PostgreSQL) or SQLite's busy timeout: nothing wrong with the items, try again."""
    return isinstance(exc, OperationalError) and (is_deadlock(exc) or "database is locked" in str(exc))


def _retrying(fn, *, attempts: int = 6):
    """Run `fn` (its own transaction), again after a growing pause when it failed transiently."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if not _transient(exc) or attempt == attempts - 1:
                raise
            time.sleep(min(0.2 * 2 ** attempt, 5.0))


def _at_stage(ids: list[int], done: int, *, lock: bool):
    qs = Feedback.objects.filter(pk__in=ids, pipeline_stage=done).exclude(pipeline_state=PipelineState.UNDERSTOOD)
    if lock and connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.order_by("id").values_list("id", flat=True))


def _run_stage(stage: Stage, number: int, ids: list[int]) -> list[int]:
    """Run stage `number` (1-based) for those of `ids` still waiting for it; returns the ids it
    completed. Raises what the stage raised."""
    done_before = number - 1
    pre = None
    if stage.pre is not None:
        waiting = _at_stage(ids, done_before, lock=False)
        if not waiting:
            return []
        pre = stage.pre(waiting)
    if stage.atomic:
        def attempt():
            with transaction.atomic():
                claimed = _at_stage(ids, done_before, lock=True)
                if claimed:
                    stage.run(claimed, pre)
                    Feedback.objects.filter(pk__in=claimed, pipeline_stage=done_before).update(pipeline_stage=number)
            return claimed

        done = list(_retrying(attempt))
        # SKIP LOCKED also skips rows locked for another reason (another job's match stage locks
        # the canonical rows it counts onto, an agent's edit): those still waiting get a few more
        # passes here; what is left after them the sweeper re-enqueues (PIPELINE_LOST_AFTER_SECONDS)
        for wait in (0.1, 0.3, 1.0):
            if not _at_stage(ids, done_before, lock=False):
                break
            time.sleep(wait)
            done += _retrying(attempt)
        return done
    waiting = _at_stage(ids, done_before, lock=False)
    if waiting:
        _retrying(lambda: stage.run(waiting, pre))
        _retrying(lambda: Feedback.objects.filter(pk__in=waiting, pipeline_stage=done_before).update(pipeline_stage=number))
    return waiting


def _backoff(attempts: int) -> dt.timedelta:
    base = settings.PIPELINE_RETRY_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _fail(fid: int, stage: Stage, exc: BaseException) -> None:
    _retrying(lambda: _mark_failed(fid, stage, exc))


def _mark_failed(fid: int, stage: Stage, exc: BaseException) -> None:
    attempts = (Feedback.objects.filter(pk=fid).values_list("pipeline_attempts", flat=True).first() or 0) + 1
    Feedback.objects.filter(pk=fid).update(
        pipeline_state=PipelineState.FAILED, pipeline_attempts=attempts,
        pipeline_error=f"{stage.name}: {type(exc).__name__}: {exc}"[:2000],
        pipeline_retry_at=timezone.now() + _backoff(attempts), pipeline_claim="", pipeline_claimed_at=None,
    )
    logger.warning("pipeline stage %s failed for feedback %s (attempt %d): %r", stage.name, fid, attempts, exc)


def pipeline_run(*, feedback_ids: list[int], stop_after: str | None = None) -> dict:
    """Run every stage still due for `feedback_ids` (in chunks of CHUNK, each chunk through all
    stages before the next, so the first items are understood soonest). `stop_after` ends after
    the named stage (tests, and replays of the stages that used to run in the request).
    Returns {"understood": n, "failed": n}."""
    ids = sorted({int(i) for i in feedback_ids})
    last = STAGE_NAMES.index(stop_after) + 1 if stop_after else len(STAGES)
    understood = failed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for number, stage in enumerate(STAGES[:last], 1):
            if not chunk:
                break
            try:
                _run_stage(stage, number, chunk)
            except Exception as exc:
                if _transient(exc):
                    raise  # still locked after the retries: the job fails whole and is retried, no item is blamed
                # one item may be what breaks the chunk: each on its own, the bad ones marked
                for fid in list(chunk):
                    try:
                        _run_stage(stage, number, [fid])
                    except Exception as exc:
                        if _transient(exc):
                            raise
                        _fail(fid, stage, exc)
                        chunk.remove(fid)
                        failed += 1
        if last == len(STAGES) and chunk:
            understood += _retrying(lambda chunk=chunk: Feedback.objects.filter(
                pk__in=chunk, pipeline_stage=len(STAGES)).exclude(pipeline_state=PipelineState.UNDERSTOOD).update(
                pipeline_state=PipelineState.UNDERSTOOD, pipeline_error="", pipeline_retry_at=None,
                pipeline_claim="", pipeline_claimed_at=None))
    return {"understood": understood, "failed": failed}


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.PIPELINE_CLAIM_LEASE_SECONDS)


def _claimable(now) -> Q:
    return Q(pipeline_claimed_at__isnull=True) | Q(pipeline_claimed_at__lt=now - _lease())


def pipeline_claim(*, feedback_ids: list[int], room: int = 0, now=None) -> tuple[str, list[int]]:
    """A job's claim: of `feedback_ids` those not understood and not held by a live claim, plus
    up to `room` waiting items no job has started (oldest first), marked with a fresh token in ONE
    UPDATE whose WHERE re-checks that nobody holds them. On PostgreSQL the candidates are read
    FOR UPDATE SKIP LOCKED, so two jobs claiming at once take disjoint rows without waiting; on
    SQLite the single writer serialises the UPDATEs and the loser's re-check leaves it what is
    left (a stale read is "database is locked", retried). A claim lapses after
    PIPELINE_CLAIM_LEASE_SECONDS (a killed worker), so the sweeper's job can take the items again.
    Returns (token, the ids claimed, sorted)."""
    token, ids = uuid.uuid4().hex, sorted({int(i) for i in feedback_ids})
    skip = connection.features.has_select_for_update_skip_locked

    def attempt():
        when = now or timezone.now()
        free = Feedback.objects.filter(_claimable(when)).exclude(pipeline_state=PipelineState.UNDERSTOOD)
        with transaction.atomic():
            own = free.filter(pk__in=ids)
            more = (free.filter(pipeline_state=PipelineState.RECEIVED, pipeline_stage=0).exclude(pk__in=ids)
                    .order_by("created_at", "id"))
            if skip:
                own = own.select_for_update(skip_locked=True, of=("self",))
                more = more.select_for_update(skip_locked=True, of=("self",))
            candidates = list(own.values_list("id", flat=True))
            if room > 0:
                candidates += list(more.values_list("id", flat=True)[:room])
            if candidates:
                free.filter(pk__in=candidates).update(pipeline_claim=token, pipeline_claimed_at=when)
        return sorted(Feedback.objects.filter(pk__in=candidates, pipeline_claim=token).values_list("id", flat=True))

    return token, _retrying(attempt)


def pipeline_release(*, token: str) -> int:
    """A job that ends (done, or some items left for the sweeper) lets go of what it still holds."""
    return _retrying(lambda: Feedback.objects.filter(pipeline_claim=token).update(pipeline_claim="", pipeline_claimed_at=None))


def pipeline_due_ids(*, now=None, lost_after: int | None = None, limit: int = 5000) -> list[int]:
    """What the sweeper re-enqueues: failed items whose back-off has passed (fewer than
    PIPELINE_MAX_ATTEMPTS tries), and received items older than PIPELINE_LOST_AFTER_SECONDS (their
    job was lost: a broker flushed, a worker killed before the ack)."""
    now = now or timezone.now()
    lost_after = int(settings.PIPELINE_LOST_AFTER_SECONDS if lost_after is None else lost_after)
    max_attempts = settings.PIPELINE_MAX_ATTEMPTS
    retry = list(Feedback.objects.filter(pipeline_state=PipelineState.FAILED, pipeline_attempts__lt=max_attempts,
                                         pipeline_retry_at__lte=now).order_by("id").values_list("id", flat=True)[:limit])
    lost = list(Feedback.objects.filter(pipeline_state=PipelineState.RECEIVED,
                                        created_at__lt=now - dt.timedelta(seconds=lost_after))
                .order_by("created_at").values_list("id", flat=True)[:max(0, limit - len(retry))])
    return retry + lost


def pipeline_reset_attempts(ids: list[int]) -> int:
    """A person asked for a re-run: the item gets a fresh set of attempts, due now."""
    return Feedback.objects.filter(pk__in=ids).exclude(pipeline_state=PipelineState.UNDERSTOOD).update(
        pipeline_attempts=0, pipeline_retry_at=timezone.now(), pipeline_state=PipelineState.RECEIVED)


__all__ = ["STAGES", "STAGE_NAMES", "pipeline_claim", "pipeline_release", "pipeline_due_ids", "pipeline_reset_attempts",
           "pipeline_run", "stage_name"]
