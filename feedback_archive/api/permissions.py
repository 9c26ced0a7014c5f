from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .models import ApiKey, Scope

_RANK = {Scope.INGEST: 0, Scope.READ: 1, Scope.WRITE: 2}


class HasScope(BasePermission):
    """Views declare `required_scope` (or `scope_map` per action). An API key needs that scope:
    ingest may only create; read may list and read; write may also change. People logged into the
    admin use Django's model permissions."""

    message = _("This API key's scope does not allow this request.")

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        needed = self.needed(request, view)
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is not None:
            if needed == Scope.INGEST:
                return key.scope in (Scope.INGEST, Scope.WRITE)
            if key.scope == Scope.INGEST:
                return False
            return _RANK[Scope(key.scope)] >= _RANK[needed]
        if needed == Scope.WRITE:
            return request.user.has_perm("feedback.change_feedback")
        if needed == Scope.INGEST:
            return request.user.has_perm("feedback.add_feedback")
        return request.user.has_perm("feedback.view_feedback")

    @staticmethod
    def needed(request, view) -> str:
        scope_map = getattr(view, "scope_map", {})
        action = getattr(view, "action", None)
        if action in scope_map:
            return scope_map[action]
        return getattr(view, "required_scope", Scope.READ if request.method in ("GET", "HEAD", "OPTIONS") else Scope.WRITE)
