from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import GoldSource, RunStatus


class Suggestion(models.Model):
    """What the classifier proposes for one dimension of one feedback, with the evidence.
    Kept apart from the confirmed labels (feedback.FeedbackLabel), which only people set."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="suggestions")
    dimension = models.ForeignKey("taxonomy.Dimension", on_delete=models.CASCADE, related_name="+")
    label = models.ForeignKey("taxonomy.Label", on_delete=models.CASCADE, related_name="suggestions")
    confidence = models.FloatField(_("confidence"))
    evidence = models.JSONField(_("evidence"), default=list)
    model_version = models.CharField(_("model version"), max_length=60)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [models.UniqueConstraint(fields=["feedback", "dimension"], name="suggestion_one_per_dimension")]
        indexes = [models.Index(fields=["label", "feedback"], name="suggestion_label_feedback")]


class Sentiment(models.Model):
    feedback = models.OneToOneField("feedback.Feedback", on_delete=models.CASCADE, related_name="sentiment", primary_key=True)
    polarity = models.FloatField(_("polarity"))
    intent = models.CharField(_("intent"), max_length=40)
    language = models.CharField(_("language"), max_length=10)
    evidence = models.JSONField(_("evidence"), default=list)
    model_version = models.CharField(_("model version"), max_length=60)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("sentiment")
        verbose_name_plural = _("sentiments")


class ClassificationRun(models.Model):
    """A batch (re)classification of everything or a filtered set, processed in chunks of ids in
    ascending order. `last_id` is the resume point: a killed worker loses at most one chunk, and
    the next step (or the resume job) continues after it."""

    filters = models.JSONField(_("filter"), default=dict, blank=True,
                               help_text=_("Feedback filter parameters (as in the API), or ids."))
    description = models.CharField(_("description"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.PENDING)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    last_id = models.BigIntegerField(_("last processed id"), default=0)
    chunk_size = models.PositiveIntegerField(_("chunk size"), default=500)
    model_version = models.CharField(_("model version"), max_length=60, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.CharField(_("started by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("classification run")
        verbose_name_plural = _("classification runs")
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="clsrun_status_heartbeat")]

    def __str__(self):
        return f"#{self.pk} {self.description or self.filters}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == RunStatus.DONE else 0
        return min(100, round(100 * self.done / self.total))


class ClassifierModel(models.Model):
    """A statistical model for one dimension, trained on confirmed labels. Only `is_active` rows
    are blended into the rules; a model becomes active when it had enough examples and beat the
    rules on its held-out split."""

    version = models.CharField(_("version"), max_length=40)
    dimension = models.ForeignKey("taxonomy.Dimension", on_delete=models.CASCADE, related_name="+", verbose_name=_("dimension"))
    algorithm = models.CharField(_("algorithm"), max_length=40, default="multinomial-nb")
    trained_on = models.PositiveIntegerField(_("trained on"), default=0)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    blob = models.BinaryField(_("model data"))
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("classifier model")
        verbose_name_plural = _("classifier models")
        constraints = [models.UniqueConstraint(fields=["version", "dimension"], name="classifiermodel_version_dimension")]
        indexes = [models.Index(fields=["is_active", "dimension"], name="clsmodel_active_dim")]

    def __str__(self):
        return f"{self.version} · {self.dimension.code}"


class GoldExample(models.Model):
    """A feedback text with its correct label on one dimension and why, per the written standard.
    Agents are taught and assessed on these (the quiz)."""

    text = models.TextField(_("text"))
    dimension = models.ForeignKey("taxonomy.Dimension", on_delete=models.CASCADE, related_name="+", verbose_name=_("dimension"))
    label = models.ForeignKey("taxonomy.Label", on_delete=models.CASCADE, related_name="gold_examples", verbose_name=_("correct label"))
    explanation = models.TextField(_("explanation"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=GoldSource.choices, default=GoldSource.AGENT)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["dimension__order", "label__order", "id"]
        verbose_name = _("gold example")
        verbose_name_plural = _("gold examples")
        constraints = [models.UniqueConstraint(fields=["dimension", "text"], name="goldexample_unique_text_per_dimension")]

    def __str__(self):
        return self.text[:40]


class QuizAttempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("agent"))
    user_name = models.CharField(_("agent"), max_length=150)
    dimensions = models.JSONField(_("dimensions"), default=list)
    per_dimension = models.PositiveSmallIntegerField(_("items per dimension"), default=20)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    results = models.JSONField(_("results per dimension"), default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        # not a view_* codename on purpose: the role sync gives every view_* to every role, and
        # agents should see only their own results
        permissions = [("review_quizattempts", _("Can review every agent's quiz results"))]

    def __str__(self):
        return f"#{self.pk} {self.user_name}"


class QuizAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    example = models.ForeignKey(GoldExample, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField(default=0)
    chosen = models.ForeignKey("taxonomy.Label", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("quiz answer")
        verbose_name_plural = _("quiz answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "example"], name="quizanswer_once_per_attempt")]
        indexes = [models.Index(fields=["example", "chosen"], name="quizanswer_example_chosen")]
