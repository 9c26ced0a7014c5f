from django.db import models
from django.utils.translation import gettext_lazy as _


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
