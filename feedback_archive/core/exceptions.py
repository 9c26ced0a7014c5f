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
