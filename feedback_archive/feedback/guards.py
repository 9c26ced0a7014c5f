"""Conditions for django-fsm transitions: small pure functions of the feedback. Each has a
`reason` an agent can act on; the workflow service reports the first one that fails.
Whether the reporter was answered is the workflow's rule (workflow/replies.py `close_answer`): it
reads replies, which belong to the workflow layer above this one."""
from django.utils.translation import gettext_lazy as _

from .choices import NON_FIX_RESOLUTIONS, Status


def has_resolution(feedback) -> bool:
    return bool(feedback.resolution)


has_resolution.reason = _("Closing needs a resolution (fixed, answered, duplicate, not_reproducible, wont_fix, by_design).")


def fix_is_verified_or_not_needed(feedback) -> bool:
    return feedback.status == Status.VERIFYING or feedback.resolution in NON_FIX_RESOLUTIONS


fix_is_verified_or_not_needed.reason = _(
    "A fix must be submitted and verified before closing; close directly only as answered, "
    "duplicate, not_reproducible, wont_fix or by_design."
)


def fix_names_its_release(feedback) -> bool:
    """A "fixed" close says which release carries the fix (its own `fixed_in`, or its problem's):
    a later report on that release or after it is then a regression (docs/duplicates.md)."""
    if feedback.resolution != "fixed" or feedback.fixed_in_id:
        return True
    return bool(feedback.problem_id and feedback.problem.fixed_in_id)


fix_names_its_release.reason = _("Closing as fixed needs the release the fix shipped in (set “fixed in release” first).")
