"""Domain errors. Messages are for a clerk to read and act on."""


class DomainError(Exception):
    """A refused action. Nothing was written."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist *or* is outside the user's scope: the two look the same."""

    def __init__(self, message: str = "找不到该记录，或您无权查看。"):
        super().__init__(message)


class Conflict(DomainError):
    """Someone else changed the record since it was loaded."""


class AlreadySubmitted(DomainError):
    """The same form was submitted before (its one-time token is used); nothing was done again."""
