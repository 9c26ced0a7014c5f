from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ApplicationError, ConflictError, PermissionDeniedError, error_fields


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """One place that turns domain errors into the contract's responses: 400 with field errors,
    403, 409 with a reason, 503 with Retry-After when the database is briefly unavailable."""
    if isinstance(exc, ConflictError):
        return Response({"detail": exc.message, **exc.fields}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, PermissionDeniedError):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        return Response(error_fields(exc, "detail"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(getattr(exc, "message_dict", None) or {"detail": exc.messages})
    if isinstance(exc, OperationalError):
        return Response(
            {"detail": _("The database is unavailable for a moment; nothing was changed. Retry shortly.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"},
        )
    return drf_exception_handler(exc, context)
