"""Domain errors of the chart, with stable snake_case codes for the API."""


class ClinicalError(Exception):
    code = "clinical_error"


class NoteSignedError(ClinicalError):
    """A signed note is never edited: an addendum is the way to add to it."""

    code = "note_signed"


class NoteIncompleteError(ClinicalError):
    code = "note_incomplete"


class TransitionRefusedError(ClinicalError):
    code = "transition_refused"


class ProblemCodeError(ClinicalError):
    code = "problem_code_invalid"


class DictationFileError(ClinicalError):
    code = "dictation_file_invalid"


class EmergencyAccessRefusedError(ClinicalError):
    code = "emergency_access_refused"


class AmendmentDecisionError(ClinicalError):
    code = "amendment_decision_invalid"
