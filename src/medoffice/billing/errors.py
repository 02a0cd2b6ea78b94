"""Domain errors of billing, each with a stable snake_case code for the API."""


class BillingError(Exception):
    code = "billing_error"


class EncounterStateError(BillingError):
    """The encounter's status does not allow this (signing twice, editing a signed one...)."""

    code = "encounter_state"


class FeeScheduleMissingError(BillingError):
    code = "fee_schedule_missing"


class PriceMissingError(BillingError):
    """The practice's fee schedule has no price for codes on the encounter."""

    code = "price_missing"

    def __init__(self, schedule_name: str, codes: list[str]):
        self.codes = codes
        super().__init__(
            f"The fee schedule {schedule_name!r} has no price for {', '.join(codes)}: "
            "add the price to the schedule, then sign again."
        )


class NcciFileError(BillingError):
    """An NCCI file that cannot be loaded: every problem with its line, none of it loaded."""

    code = "ncci_file_invalid"

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"Nothing loaded: {shown}{more}")
