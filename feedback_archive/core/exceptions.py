class ApplicationError(Exception):
    """A business rule said no. `fields` maps input fields to messages (400);
    ConflictError is the same thing for state that changed or forbids the step (409)."""

    def __init__(self, message: str, *, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ConflictError(ApplicationError):
    pass


class PermissionDeniedError(ApplicationError):
    pass


# One way to show a refusal, so the admin, the API, commands and per-item results cannot word the
# same ApplicationError differently.
def error_fields(exc: ApplicationError, key: str = "non_field_errors") -> dict[str, list]:
    """The {field: [messages]} of a refusal; one without field errors puts its message under `key`
    (the API's bulk items use "non_field_errors", a single request "detail")."""
    return exc.fields or {key: [exc.message]}


def error_text(exc: BaseException) -> str:
    """One line for a person: the field messages joined by "; ", else the message. Any other
    exception (a caller that also catches TypeError, OperationalError …) reads as str(exc)."""
    if not isinstance(exc, ApplicationError):
        return str(exc)
    return "; ".join(str(m) for msgs in exc.fields.values() for m in msgs) or str(exc.message)
