from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from feedback_archive.core.models import TimeStampedModel

from . import guards
from .choices import PipelineState, Resolution, Status, Via
from .querysets import FeedbackQuerySet


class Channel(models.Model):
    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    can_reply = models.BooleanField(
        _("reporters can be answered"), default=True,
        help_text=_("Off for sources where no reply can reach the reporter (e.g. anonymous reviews)."),
    )
    acknowledge = models.BooleanField(
        _("acknowledge receipt"), default=False,
        help_text=_("Send the reporter the “received” reply (its template) as soon as the feedback is stored. "
                    "It does not count as the reply a close needs."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self):
        return self.name


class Reporter(TimeStampedModel):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="reporters", verbose_name=_("channel"))
    external_id = models.CharField(_("external id"), max_length=200)
    name = models.CharField(_("name"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    locale = models.CharField(_("locale"), max_length=35, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        permissions = [("view_reporter_contact", _("Can see reporters' contact details"))]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="reporter_unique_external_id"),
        ]

    def __str__(self):
        return self.name or self.external_id


class Feedback(ConcurrentTransitionMixin, TimeStampedModel):
    """One report from one reporter through one channel: the unit of work."""

    # No single-column FK indexes where a composite index starts with the column (fb_*_received,
    # fb_team_status, fb_assignee_status): they cost every insert and served no query at a million rows.
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("channel"),
                                db_index=False)
    external_id = models.CharField(_("external id"), max_length=200, null=True, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    content = models.TextField(_("content"))
    reporter = models.ForeignKey(
        Reporter, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback", verbose_name=_("reporter")
    )
    product = models.ForeignKey(
        "versions.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="feedback",
        verbose_name=_("product"), db_index=False,
    )
    platform = models.CharField(_("platform"), max_length=20, blank=True)
    app_version = models.CharField(_("reported version"), max_length=100, blank=True)
    release = models.ForeignKey(
        "versions.Release", null=True, blank=True, on_delete=models.PROTECT,
        related_name="reported_feedback", verbose_name=_("reported on release"), db_index=False,
    )
    fixed_in = models.ForeignKey(
        "versions.Release", null=True, blank=True, on_delete=models.PROTECT,
        related_name="fixed_feedback", verbose_name=_("fixed in release"),
    )
    received_at = models.DateTimeField(_("received at"))
    locale = models.CharField(_("locale"), max_length=35, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)

    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, protected=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    no_reply_reason = models.CharField(_("why no reply"), max_length=300, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("SLA due at"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_feedback", verbose_name=_("assignee"), db_index=False,
    )
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback", verbose_name=_("team"),
        db_index=False,
    )
    labels = models.ManyToManyField("taxonomy.Label", through="FeedbackLabel", blank=True, related_name="+")

    canonical = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates", verbose_name=_("duplicate of")
    )
    similarity = models.FloatField(_("similarity"), null=True, blank=True)
    # Membership of a problem (one problem, many wordings). `canonical` above stays the API's view:
    # the problem's lead item for every other member (docs/duplicates.md).
    problem = models.ForeignKey(
        "Problem", null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        verbose_name=_("problem"), db_index=False,  # fb_problem_newest starts with it
    )
    problem_score = models.FloatField(_("problem match score"), null=True, blank=True)
    # the words the item shares with its problem, as a person reads them (docs/duplicates.md)
    # nullable: rows written by raw inserts (bench COPY, bulk loaders) need not name it
    problem_evidence = models.JSONField(_("problem match evidence"), default=list, blank=True, null=True)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    search_text = models.TextField(_("search tokens"), blank=True, editable=False)
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True)
    # Bumped by every service write; a client that saw version N and sends it back gets a conflict
    # instead of silently overwriting someone else's change.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # The worker pipeline (intake/pipeline.py). Intake stores an item as `received`; the default is
    # `understood` so rows written by anything else (history loads, fixtures, bench generators) are
    # not counted as pipeline work. `pipeline_stage` = number of stages completed, each recorded in
    # the transaction of its effect, so a killed worker resumes at the next stage.
    pipeline_state = models.CharField(_("pipeline"), max_length=12, choices=PipelineState.choices,
                                      default=PipelineState.UNDERSTOOD)
    pipeline_stage = models.PositiveSmallIntegerField(_("pipeline stages done"), default=0, editable=False)
    pipeline_attempts = models.PositiveSmallIntegerField(_("pipeline attempts"), default=0, editable=False)
    pipeline_retry_at = models.DateTimeField(_("pipeline retry at"), null=True, blank=True, editable=False)
    pipeline_error = models.TextField(_("pipeline error"), blank=True, editable=False)
    # Which job works on the item (a random token) and since when: set for a whole batch in one
    # UPDATE so two workers take disjoint batches; a killed worker's claim lapses after the lease.
    # db_default: rows inserted by code that predates the column (a rolling deploy) stay valid
    pipeline_claim = models.CharField(_("pipeline claim"), max_length=32, blank=True, editable=False,
                                      default="", db_default="")
    pipeline_claimed_at = models.DateTimeField(_("pipeline claimed at"), null=True, blank=True, editable=False)
    # What intake received but the pipeline resolves (the reporter object as sent); emptied by the
    # reporter stage, so contact details live only in the reporter row afterwards.
    intake_raw = models.JSONField(_("as received"), null=True, blank=True, editable=False)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=Q(external_id__isnull=False),
                name="feedback_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="fb_received"),
            models.Index(fields=["status", "-received_at"], name="fb_status_received"),
            models.Index(fields=["channel", "-received_at"], name="fb_channel_received"),
            models.Index(fields=["team", "status"], name="fb_team_status"),
            models.Index(fields=["assignee", "status"], name="fb_assignee_status"),
            models.Index(fields=["release", "-received_at"], name="fb_release_received"),
            models.Index(fields=["product", "-received_at"], name="fb_product_received"),
            models.Index(fields=["sla_breached", "status"], name="fb_sla"),
            # The reports read a period's rows by date and only these columns: covering indexes let
            # PostgreSQL answer from the index (rows of one week lie on as many heap pages as rows).
            models.Index(fields=["received_at"], name="fb_report_received", include=[
                "id", "status", "team", "first_response_at", "resolved_at", "sla_breached", "product", "platform",
                "channel", "release", "canonical"]),
            models.Index(fields=["resolved_at"], name="fb_report_resolved",
                         include=["id", "status", "team", "product", "platform", "channel"]),
            # a problem's members newest first: matching reads each candidate's two newest with a
            # backward scan that stops after two rows (a single-column index sorted every member)
            models.Index(fields=["problem", "id"], name="fb_problem_newest"),
            # the release report groups a release's rows by problem and counts reporters: with
            # problem, reporter and duplicate_count here it reads them from the index alone
            models.Index(fields=["release"], name="fb_report_release",
                         include=["id", "canonical", "received_at", "team", "product", "platform", "channel",
                                  "problem", "reporter", "duplicate_count"]),
            # the open backlog (40% of rows at most, usually far less): the weekly report's open
            # critical/major count read 1M index entries without it (250 → 107 ms at 1M)
            # the pipeline's backlog (lag, sweeper): only rows not yet understood are in it
            models.Index(fields=["created_at"], name="fb_pipeline_pending",
                         condition=~Q(pipeline_state=PipelineState.UNDERSTOOD)),
            models.Index(fields=["received_at"], name="fb_open_received",
                         include=["id", "team", "product", "platform", "channel"],
                         condition=Q(status__in=[Status.PENDING, Status.IN_PROGRESS, Status.VERIFYING])),
        ]

    def __str__(self):
        text = self.title or self.content
        return f"#{self.pk} {text[:40]}"

    # --- the workflow (called only by feedback_archive.workflow.services.feedback_transition) ----
    @transition(field=status, source=Status.PENDING, target=Status.IN_PROGRESS)
    def start(self):
        """开始处理 / start handling"""

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.VERIFYING)
    def submit(self):
        """提交验证 / submit the fix for verification"""

    @transition(field=status, source=Status.VERIFYING, target=Status.IN_PROGRESS)
    def reject(self):
        """验证不通过 / verification failed"""

    @transition(
        field=status, source=[Status.PENDING, Status.IN_PROGRESS, Status.VERIFYING], target=Status.CLOSED,
        conditions=[guards.has_resolution, guards.fix_is_verified_or_not_needed],
    )
    def close(self):
        """关闭 / close"""

    @transition(field=status, source=Status.CLOSED, target=Status.PENDING)
    def reopen(self):
        """重新打开 / reopen"""


class FeedbackLabel(models.Model):
    """The confirmed label of one dimension for one feedback, with who confirmed it."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="label_links")
    dimension = models.ForeignKey("taxonomy.Dimension", on_delete=models.PROTECT, related_name="+")
    label = models.ForeignKey("taxonomy.Label", on_delete=models.PROTECT, related_name="feedback_links")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_by_name = models.CharField(max_length=150, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.ADMIN)
    confirmed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("confirmed label")
        verbose_name_plural = _("confirmed labels")
        constraints = [models.UniqueConstraint(fields=["feedback", "dimension"], name="feedbacklabel_one_per_dimension")]
        indexes = [
            models.Index(fields=["label", "feedback"], name="fblabel_label_feedback"),
            # the reports count labels of a period's items: probe by item, read the label from the index
            models.Index(fields=["feedback", "dimension"], include=["label"], name="fblabel_report"),
        ]


class FieldChange(models.Model):
    """The audit trail: every change to labels, owner, team, releases, duplicates and status.
    Written only by services; never edited or deleted through the product."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("actor"), max_length=150)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    field = models.CharField(_("field"), max_length=60)
    old = models.TextField(_("old value"), blank=True)
    new = models.TextField(_("new value"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("change")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["feedback", "at"], name="fieldchange_feedback_at")]


class DuplicateBand(models.Model):
    """One LSH band value of a feedback's MinHash (see duplicates.py)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="+")
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("duplicate fingerprint")
        verbose_name_plural = _("duplicate fingerprints")
        # covering: the candidate look-up reads (value → feedback) from the index alone
        indexes = [models.Index(fields=["value", "feedback"], name="dupband_value_feedback")]


class Problem(TimeStampedModel):
    """One problem users hit, recognised across many reports and wordings. The counts and dates are
    kept by the problem services (feedback/services/problems.py) in the same transaction as the
    membership change that moves them, so they always equal what the member rows say."""

    title = models.CharField(_("title"), max_length=200)
    # set when a person edits the title or a label: recomputation from members never overwrites it
    title_locked = models.BooleanField(_("title set by a person"), default=False)
    lead = models.ForeignKey(
        Feedback, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("lead item"),
    )
    product = models.ForeignKey(
        "versions.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="problems",
        verbose_name=_("product"),
    )
    type = models.ForeignKey(
        "taxonomy.Label", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("type"))
    module = models.ForeignKey(
        "taxonomy.Label", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("module"))
    severity = models.ForeignKey(
        "taxonomy.Label", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("severity"))
    labels_locked = models.BooleanField(_("labels set by a person"), default=False)
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    first_release = models.ForeignKey(
        "versions.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("first reported on"))
    fixed_in = models.ForeignKey(
        "versions.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("fixed in release"))
    # when the fix was recorded: only reports stored after it can be a regression
    fixed_at = models.DateTimeField(_("fix recorded at"), null=True, blank=True)
    regressed_at = models.DateTimeField(_("regressed at"), null=True, blank=True)
    # a problem merged into another keeps its row (empty) so a second agent merging it at the
    # same moment gets a clear 409 naming where it went, not a 404
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("merged into"))
    member_count = models.PositiveIntegerField(_("reports"), default=0)
    reporter_count = models.PositiveIntegerField(_("reporters"), default=0)
    channel_count = models.PositiveIntegerField(_("channels"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [
            models.Index(fields=["-last_seen_at", "-id"], name="problem_last_seen"),
            models.Index(fields=["product", "-reporter_count"], name="problem_product_reporters"),
            models.Index(fields=["first_release"], name="problem_first_release"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"


class ProblemTerm(models.Model):
    """One concept (a hashed, synonym-normalised word) of a problem's members: the inverted index
    that finds candidate problems for a new item by the words they share (feedback/matching.py)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="+")
    term = models.BigIntegerField()

    class Meta:
        verbose_name = _("problem term")
        verbose_name_plural = _("problem terms")
        constraints = [models.UniqueConstraint(fields=["term", "problem"], name="problemterm_unique")]


class ProblemProposal(models.Model):
    """A match between the automatic threshold and the proposal threshold: shown to the agent, who
    accepts (the item joins the problem) or rejects (remembered: never proposed again)."""

    class Decision(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="problem_proposals")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="proposals")
    score = models.FloatField(_("score"))
    evidence = models.JSONField(_("evidence"), default=list, blank=True)  # the shared words a person reads
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("problem proposal")
        verbose_name_plural = _("problem proposals")
        constraints = [models.UniqueConstraint(fields=["feedback", "problem"], name="proposal_one_per_pair")]
        indexes = [models.Index(fields=["problem", "decision"], name="proposal_problem_decision")]

    def __str__(self):
        return f"{self.feedback_id} → {self.problem_id} ({self.decision})"
