"""What the triage admin modules share: status colours, transition names."""
from django.utils.translation import gettext_lazy as _


STATUS_COLOURS = {"pending": "#b45309", "in_progress": "#1d4ed8", "verifying": "#7c3aed", "closed": "#15803d"}
TRANSITION_LABELS = {
    "start": _("Start handling"), "submit": _("Submit for verification"), "reject": _("Reject (verification failed)"),
    "close": _("Close"), "reopen": _("Reopen"),
}

