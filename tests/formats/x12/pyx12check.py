"""pyx12, the independent validator: our 837P (and 999/277CA/835) against its maps."""

import io
import json
import logging
import tempfile
from pathlib import Path

import pyx12.params
import pyx12.x12n_document


def pyx12_problems(data: bytes) -> list[str]:
    """Every error pyx12 finds in the file, as readable lines; [] when it is valid."""
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.x12"
        path.write_bytes(data)
        params = pyx12.params.params()
        report = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(
            params, str(path), fd_997=None, fd_html=None, fd_json=report
        )
    problems = _errors(json.loads(report.getvalue() or "{}"))
    if not ok and not problems:
        problems = ["pyx12 rejected the file without a detailed error"]
    return problems


def _errors(node, path=""):
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("errors", "segment_errors", "element_errors") and value:
                for item in value if isinstance(value, list) else [value]:
                    found.append(f"{path}: {json.dumps(item, default=str)}")
            else:
                found.extend(_errors(value, f"{path}/{key}" if key != "children" else path))
    elif isinstance(node, list):
        for item in node:
            found.extend(_errors(item, path))
    return found
