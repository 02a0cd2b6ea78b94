"""Domain errors of registration, with stable codes for the API."""


class PatientError(Exception):
    code = "patient_error"


class DuplicatePatientError(PatientError):
    """The registration looks like someone already on file; the user must confirm."""

    code = "possible_duplicate"

    def __init__(self, candidates):
        super().__init__("This patient may already be registered.")
        self.candidates = candidates


class MergeError(PatientError):
    code = "merge_refused"
