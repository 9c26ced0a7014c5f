"""Writes to feedback, by sub-domain: the audit trail, intake (`feedback_create` is the single way
in), near-duplicate links, and the agent's edits (labels, owner, releases). Callers import from here."""

from .audit import audit_record, check_version
from .duplicates import (
    band_holders,
    duplicate_find,
    feedback_mark_duplicate,
    feedback_unmark_duplicate,
    fingerprint_store,
)
from .intake import (
    feedback_create,
    feedback_create_many,
    feedback_index,
    feedback_resolve_sources,
    is_deadlock,
    search_tokens_for,
)
from .matching import feedback_match, problem_matches, problems_like
from .ownership import (
    feedback_assign,
    feedback_ids,
    feedback_set_labels,
    feedback_set_release,
    feedback_update,
    labels_resolve,
    release_lookup,
)
from .problems import (
    NotFoundError,
    problem_create,
    problem_edit,
    problem_mark_fixed,
    problem_merge,
    problem_merge_into_item,
    problem_move_item,
    problem_refresh,
    problem_split,
    problem_take_out,
    proposal_accept,
    proposal_reject,
    regression_reports,
)

__all__ = [
    "NotFoundError", "feedback_match", "problem_create", "problem_edit", "problem_mark_fixed", "problem_matches", "problem_merge",
    "problem_merge_into_item", "problem_move_item", "problems_like", "problem_refresh", "problem_split", "problem_take_out",
    "proposal_accept", "proposal_reject", "regression_reports",
    "audit_record", "band_holders", "check_version", "duplicate_find",
    "feedback_assign", "feedback_create", "feedback_create_many", "feedback_ids", "feedback_mark_duplicate",
    "feedback_set_labels", "feedback_set_release", "feedback_unmark_duplicate", "feedback_update",
    "feedback_index", "feedback_resolve_sources", "fingerprint_store", "is_deadlock",
    "labels_resolve", "release_lookup", "search_tokens_for",
]
