"""The dashboard's figures and the journal's sources: the reports app's own, then every
installed app's `reporting` module (FIGURES, JOURNAL_SOURCES; see core/reporting.py)."""

from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

from medoffice.core.reporting import Figure


@cache
def _modules() -> tuple:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("medoffice.") or config.label == "reports":
            continue
        name = f"{config.name}.reporting"
        if find_spec(name) is not None:
            found.append(import_module(name))
    return tuple(found)


def figures() -> list[Figure]:
    from medoffice.reports.figures import FIGURES

    every = list(FIGURES)
    for module in _modules():
        every += list(getattr(module, "FIGURES", ()))
    return sorted(every, key=lambda f: (f.order, f.key))


def figure(key: str) -> Figure | None:
    return next((f for f in figures() if f.key == key), None)


def journal_sources() -> list:
    from medoffice.reports.accounting import CHARGES

    every = [CHARGES]
    for module in _modules():
        every += list(getattr(module, "JOURNAL_SOURCES", ()))
    return every
