"""The resource types the FHIR API serves: one `ResourceType` per module of resources/.

`load()` imports every module of `medoffice.interop.fhir.resources` once; each calls
`register(...)`. URLs, the CapabilityStatement and the views all read the registry, so
a type is served, routed and declared by adding its module and nothing else.
"""

import hashlib
import importlib
import json
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from medoffice.interop.fhir.search import SearchContext, SearchParam, SearchRequest

# Interactions a type may offer (CapabilityStatement codes).
READ, VREAD, SEARCH, CREATE, UPDATE = "read", "vread", "search-type", "create", "update"


@dataclass(frozen=True)
class Include:
    """`_include` / `_revinclude` target: `fetch(user, found)` returns the other type's
    rows for the rows found (already within the user's practice, as `found` is)."""

    target: str  # the resource type of the rows fetched
    fetch: Callable[[object, list], list]
    documentation: str = ""


@dataclass(frozen=True)
class ResourceType:
    """How one FHIR resource type is found, mapped and written. See the package docstring."""

    name: str
    # Permission per interaction (read covers vread and search). The views check it
    # before calling anything below; the access helpers check it again with the row.
    permissions: dict[str, str]
    # get(user, id, *, permission, audit) -> row: scope + role + audit (404 if not found).
    get: Callable[..., object]
    to_resource: Callable[[object], dict]
    # queryset(user) -> the rows of the user's practice this type may show (no audit);
    # or None when the type searches some other way (`search`).
    queryset: Callable[[object], object] | None = None
    search_params: tuple[SearchParam, ...] = ()
    # _sort name -> model field, or fields (ending on a unique one where the type has an
    # index in that order, so a page is read from it rather than sorted).
    sorts: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    default_order: tuple[str, ...] = ("pk",)
    # search(user, request, ctx) -> (rows of this page, total or None, whether a next
    # page exists): for computed types, instead of `queryset`.
    search: (
        Callable[[object, SearchRequest, SearchContext], tuple[Sequence, int | None, bool]] | None
    ) = None
    create: Callable[[object, dict], object] | None = None  # (user, resource) -> row
    update: Callable[[object, object, dict], object] | None = None  # (user, row, resource)
    last_updated: Callable[[object], datetime | None] = lambda row: getattr(row, "updated_at", None)
    includes: dict[str, Include] = field(default_factory=dict)
    revincludes: dict[str, Include] = field(default_factory=dict)
    audit_category: str = ""  # set for PHI: searches leave one audit row in this category
    profile: str = ""  # the US Core profile the resource follows, if any
    documentation: str = ""

    def order_by(self, sort_keys: Sequence[str]) -> list[str]:
        """The ORDER BY of a search: its `_sort` keys ("-" for descending), then the
        default order, which ends on a unique field so that pages are stable."""
        order = []
        for key in sort_keys:
            sign = "-" if key.startswith("-") else ""
            columns = self.sorts[key.lstrip("-")]
            order += [sign + c for c in ((columns,) if isinstance(columns, str) else columns)]
        return [*order, *self.default_order]

    @property
    def all_revincludes(self) -> dict[str, Include]:
        return {**self.revincludes, **_EXTRA_REVINCLUDES.get(self.name, {})}

    @property
    def interactions(self) -> list[str]:
        out = [READ, VREAD, SEARCH]
        if self.create is not None:
            out.append(CREATE)
        if self.update is not None:
            out.append(UPDATE)
        return out

    def version_of(self, row, resource: dict) -> str:
        """The version id: the row's last change (microseconds), or for rows without a
        change time a digest of the resource itself; either way it changes when the
        resource does, so ETags and If-Match tell the truth."""
        updated = self.last_updated(row)
        if updated is not None:
            return str(int(updated.timestamp() * 1_000_000))
        text = json.dumps(resource, sort_keys=True, default=str).encode()
        return hashlib.sha256(text).hexdigest()[:16]


_TYPES: dict[str, ResourceType] = {}
_loaded = False


def register(resource_type: ResourceType) -> ResourceType:
    _TYPES[resource_type.name] = resource_type
    return resource_type


_EXTRA_REVINCLUDES: dict[str, dict[str, Include]] = {}


def add_revinclude(target_type: str, name: str, include: Include) -> None:
    """Let another module's type be `_revinclude`d from `target_type` (e.g. Observation
    from Patient) without editing the target's module; call it at import time."""
    _EXTRA_REVINCLUDES.setdefault(target_type, {})[name] = include


def load() -> dict[str, ResourceType]:
    global _loaded
    if not _loaded:
        _loaded = True
        from medoffice.interop.fhir import resources

        for module in sorted(pkgutil.iter_modules(resources.__path__), key=lambda m: m.name):
            importlib.import_module(f"{resources.__name__}.{module.name}")
    return _TYPES


def types() -> dict[str, ResourceType]:
    return dict(sorted(load().items()))


def get(name: str) -> ResourceType | None:
    return load().get(name)
