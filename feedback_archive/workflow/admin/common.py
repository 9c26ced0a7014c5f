"""What the workflow admin modules share."""
from django.urls import reverse
from django.utils.html import format_html


def _feedback_link(feedback_id):
    return format_html('<a href="{}">#{}</a>', reverse("admin:feedback_feedback_change", args=[feedback_id]), feedback_id)
