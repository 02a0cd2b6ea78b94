"""Log records that cannot be forged (AU-05): one line per record, whatever was logged.

A message's arguments often come from outside (a file name from a clearinghouse, a rejection
reason, a request path). A CR or LF in them would start what looks like a new record in the
log file; here they, and every other control character, are written as escapes instead. A
traceback keeps its lines, each indented, so no line of it can pass for a record of its own.
"""

import logging

_ESCAPES = {i: f"\\x{i:02x}" for i in range(32)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0x7F: "\\x7f",
    0x85: "\\x85",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def one_line(text: str) -> str:
    """`text` with line breaks and control characters escaped."""
    return text.translate(_ESCAPES)


class SingleLineFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return one_line(super().formatMessage(record))

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return "\n".join("    " + line for line in super().formatException(ei).splitlines())

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return "\n".join("    " + line for line in stack_info.splitlines())
