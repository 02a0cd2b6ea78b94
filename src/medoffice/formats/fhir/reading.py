"""Reading a FHIR R4 Bundle someone else wrote (Synthea, another EHR): bytes in, entries out.

No Django here. Each entry's resource is validated on its own against fhir.resources' R4B
model of its type, so an error names the JSON path inside the Bundle
(`Bundle.entry[3].resource(Patient).birthDate: ...`) and a collection can keep the valid
entries. References are resolved inside the Bundle: `urn:uuid:...` full URLs, relative
`Type/id` references, and conditional ones (`Practitioner?identifier=system|value`) are
returned as (type, system, value) for the caller to match against its own records.
"""

import json
from dataclasses import dataclass, field

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

BUNDLE_TYPES = ("transaction", "collection")
ENTRY_METHODS = ("POST", "PUT")  # a transaction entry creates or updates; nothing else is taken


class BundleReadError(ValueError):
    """The file is not a Bundle we can read at all: nothing of it is imported."""


@dataclass(frozen=True)
class Entry:
    index: int
    full_url: str
    resource_type: str
    id: str
    resource: dict
    errors: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource({self.resource_type})"

    @property
    def source_id(self) -> str:
        """The id that names this resource in its source system, for idempotent re-import."""
        return self.id or self.full_url


@dataclass(frozen=True)
class ConditionalReference:
    resource_type: str
    system: str
    value: str


@dataclass(frozen=True)
class ReadBundle:
    type: str
    source: str  # Bundle.meta.source when the writer gave one
    entries: tuple[Entry, ...]
    _by_reference: dict[str, Entry] = field(default_factory=dict, repr=False, compare=False)

    def resolve(self, reference: str | None) -> Entry | ConditionalReference | None:
        """The entry a reference names, or the identifier a conditional reference asks for."""
        if not reference:
            return None
        found = self._by_reference.get(reference)
        if found is not None:
            return found
        if "?identifier=" in reference:
            resource_type, _, query = reference.partition("?identifier=")
            system, _, value = query.partition("|")
            if not value:
                system, value = "", system
            return ConditionalReference(resource_type, system, value)
        return None


def _where(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _errors(prefix: str, exc: ValidationError) -> tuple[str, ...]:
    return tuple(f"{prefix}{_where(err['loc'])}: {err['msg']}" for err in exc.errors()[:10])


def _read_entry(index: int, raw) -> Entry:
    prefix = f"Bundle.entry[{index}]"
    if not isinstance(raw, dict):
        return Entry(index, "", "", "", {}, (f"{prefix}: an entry is a JSON object",))
    full_url = str(raw.get("fullUrl") or "")
    resource = raw.get("resource")
    if not isinstance(resource, dict):
        return Entry(index, full_url, "", "", {}, (f"{prefix}.resource: missing",))
    resource_type = str(resource.get("resourceType") or "")
    rid = str(resource.get("id") or "")
    errors: list[str] = []
    request = raw.get("request")
    if isinstance(request, dict) and request.get("method") not in ENTRY_METHODS:
        errors.append(f"{prefix}.request.method: only {' and '.join(ENTRY_METHODS)} are taken")
    try:
        model = get_fhir_model_class(resource_type)
    except (ValueError, KeyError):
        errors.append(f"{prefix}.resource.resourceType: unknown resource type {resource_type!r}")
        return Entry(index, full_url, resource_type, rid, resource, tuple(errors))
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        errors.extend(_errors(f"{prefix}.resource({resource_type})", exc))
    return Entry(index, full_url, resource_type, rid, resource, tuple(errors))


def read_bundle(data: bytes) -> ReadBundle:
    """Parse and validate; raises BundleReadError when the file is not a usable Bundle."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BundleReadError(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BundleReadError(
            f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise BundleReadError("Bundle.resourceType: this is not a FHIR Bundle")
    kind = document.get("type")
    if kind not in BUNDLE_TYPES:
        raise BundleReadError(
            f"Bundle.type: {kind!r} is not taken (only {', '.join(BUNDLE_TYPES)})"
        )
    raw_entries = document.get("entry") or []
    if not isinstance(raw_entries, list):
        raise BundleReadError("Bundle.entry: must be a list")
    envelope = {k: v for k, v in document.items() if k != "entry"}
    try:
        get_fhir_model_class("Bundle").model_validate(envelope)
    except ValidationError as exc:
        raise BundleReadError("; ".join(_errors("Bundle", exc))) from None
    entries = tuple(_read_entry(i, raw) for i, raw in enumerate(raw_entries))
    by_reference: dict[str, Entry] = {}
    for entry in entries:
        if entry.full_url:
            by_reference[entry.full_url] = entry
        if entry.resource_type and entry.id:
            by_reference.setdefault(f"{entry.resource_type}/{entry.id}", entry)
    meta = document.get("meta") or {}
    return ReadBundle(kind, str(meta.get("source") or ""), entries, by_reference)
