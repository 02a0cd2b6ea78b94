"""Domain errors of the code sets, with stable snake_case codes for the API and the CLI."""

from medoffice.coding.loaders import RowError


class CodingError(Exception):
    code = "coding_error"


class CodeMalformedError(CodingError):
    """Not shaped like a code of the system at all ("E11..9", "12")."""

    code = "code_malformed"


class CodeUnknownError(CodingError):
    """Well formed, but not in the release in force on the date of service."""

    code = "code_unknown"


class CodeNotBillableError(CodingError):
    """A category or subcategory with more specific codes below it."""

    code = "code_not_billable"


class NoReleaseError(CodingError):
    """No release of the code set covers the date asked about."""

    code = "no_release_in_force"


class ReleaseExistsError(CodingError):
    code = "release_exists"


class ImportRefusedError(CodingError):
    """A file with bad rows (or none good) was refused whole: nothing was saved."""

    code = "import_refused"

    def __init__(self, message: str, errors: list[RowError] | None = None):
        super().__init__(message)
        self.errors = errors or []
