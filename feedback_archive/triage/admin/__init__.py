"""The triage desk's admin, by sub-domain. Importing a module registers its ModelAdmins.

- feedback_desk: the feedback list and item page (labels, owner, workflow, duplicates, history)
- filters: the list filters (FeedbackQuerySet methods, shared with the API's FilterSet)
- reporters: channels and reporters (masking, export, erasure)
- audit: the field-change trail
- problems: one problem, many reports (members side by side, merge/split/move, proposals)
The API-key admin lives in api/admin.py, the transition log's in workflow/admin/transition_log.py.
"""
from . import audit, feedback_desk, problems, reporters  # noqa: F401 -- registers the admins
