"""Domain errors of eligibility, each with a stable snake_case code for the API."""


class EligibilityError(Exception):
    code = "eligibility_error"


class CheckStateError(EligibilityError):
    """The check is already settled: a new question is a new check."""

    code = "check_settled"


class NotCheckableError(EligibilityError):
    """The coverage cannot be asked about (cancelled, entered in error, no payer id...)."""

    code = "not_checkable"


class GatewayUnavailableError(EligibilityError):
    """The payer or clearinghouse could not be reached; the 270 can be sent again later."""

    code = "payer_unavailable"


class ResponseError(EligibilityError):
    """A 271 that cannot be read or matched to a request: kept aside, nothing changed."""

    code = "response_invalid"
