"""A neutral registry of chart-summary panels, so other apps add theirs without clinical
importing them (records: documents, communications).

An app registers in its AppConfig.ready():

    from medoffice.clinical.panels import Panel, register_panel
    register_panel(Panel(key="documents", title="Documents", permission="records.view_document",
                         load=documents_panel, order=50))

`load(patient, limit)` returns a PanelData: at most `limit` rows, newest first, read with a
fixed number of queries (the chart summary's budget is one or two queries per panel), and
the total count for the "all N" link. Rows are plain dicts of display strings (an optional
"url" key links the row's first column); the panel's
own app is responsible for its audit detail, which the summary's one audit row names.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PanelData:
    rows: list[dict]
    total: int
    more_url: str = ""
    columns: tuple[tuple[str, str], ...] = ()  # (key in each row, heading)

    def lines(self) -> list[tuple[list[str], str]]:
        """Each row's values in column order and its link (for the first value): the
        template walks this once instead of matching every key against every column."""
        keys = [key for key, _ in self.columns]
        return [([row.get(key, "") for key in keys], row.get("url", "")) for row in self.rows]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    permission: str
    load: Callable[..., PanelData]
    order: int = 100
    columns: tuple[tuple[str, str], ...] = field(default=())
    # Optional: make_rows(patient, count) -> list of made ids, and drop_rows(ids), for the
    # chart benchmark (bench/chart.py fills the big chart's documents through it).
    make_rows: Callable[..., list] | None = None
    drop_rows: Callable[[list], None] | None = None
    # True: load(patient, limit, user=...) gets the viewer, for panels whose rows depend on
    # the role (records' documents: clinical categories only for those who may read them).
    wants_user: bool = False

    def read(self, patient, limit: int, user) -> "PanelData":
        if self.wants_user:
            return self.load(patient, limit, user=user)
        return self.load(patient, limit)


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add or replace (same key) a panel; idempotent, so ready() may run twice."""
    _PANELS[panel.key] = panel


def unregister_panel(key: str) -> None:
    _PANELS.pop(key, None)


def registered_panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
