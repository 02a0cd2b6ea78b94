"""Scheduling refusals with stable codes for the API."""


class SchedulingError(Exception):
    code = "scheduling_error"


class SlotTakenError(SchedulingError):
    """Someone else holds a resource of this visit for part of its time (409)."""

    code = "slot_taken"


class StatusMoveError(SchedulingError):
    code = "status_move_refused"
