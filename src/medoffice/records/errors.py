"""Domain errors of health information management, with stable codes for the API."""


class RecordsError(Exception):
    code = "records_error"


class DocumentIntegrityError(RecordsError):
    """A stored file's bytes no longer match the SHA-256 taken when it was filed (DP-04)."""

    code = "integrity_error"


class ReleaseRefused(RecordsError):
    """A release that the rules do not allow yet (identity, authorisation, status)."""

    code = "release_refused"

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


class TransitionRefused(RecordsError):
    code = "transition_refused"
