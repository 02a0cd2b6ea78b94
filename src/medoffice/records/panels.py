"""Records' panel on the chart summary: the newest documents filed to the chart.

Two queries whatever the chart's size (the page of rows, the count), both on the
(patient, document_date) index. A user who may not read clinical documents sees only the
administrative ones, as on the Documents tab.
"""

from datetime import timedelta

from django.urls import reverse

from medoffice.clinical.panels import Panel, PanelData, register_panel
from medoffice.core.clock import today_at
from medoffice.core.policy import has_permission
from medoffice.records.access import VIEW_CLINICAL
from medoffice.records.models import CLINICAL_CATEGORIES, Document

COLUMNS = (("date", "Dated"), ("category", "Category"), ("title", "Title"), ("pages", "Pages"))


def documents_panel(patient, limit: int, *, user=None) -> PanelData:
    documents = Document.objects.filter(patient=patient)
    if user is None or not has_permission(user, VIEW_CLINICAL):
        documents = documents.exclude(category__in=CLINICAL_CATEGORIES)
    rows = [
        {
            "date": f"{d.document_date:%m/%d/%Y}",
            "category": d.get_category_display(),
            "title": d.title,
            "pages": f"{d.pages} p.",
            "url": reverse("records:document-detail", args=[d.public_id]),
        }
        for d in documents.only(
            "public_id", "document_date", "category", "title", "pages"
        ).order_by("-document_date", "-id")[:limit]
    ]
    return PanelData(
        rows=rows,
        total=documents.count(),
        more_url=reverse("records:document-list", args=[patient.public_id]),
        columns=COLUMNS,
    )


def make_rows(patient, count: int) -> list[int]:
    """For bench/chart.py: `count` documents rows (no files behind them), dated back."""
    today = today_at(patient)
    made = Document.objects.bulk_create(
        [
            Document(
                patient=patient,
                category="lab" if i % 3 else "correspondence",
                title=f"Bench document {i}",
                document_date=today - timedelta(days=11 * i),
                kind="pdf",
                file=f"bench/{patient.public_id}-{i}.pdf",
                size=1000,
                sha256="0" * 64,
            )
            for i in range(count)
        ],
        batch_size=500,
    )
    if made and made[0].pk is None:  # backends that do not return ids
        return list(
            Document.objects.filter(
                patient=patient, title__startswith="Bench document "
            ).values_list("pk", flat=True)
        )
    return [d.pk for d in made]


def drop_rows(ids: list[int]) -> None:
    Document.objects.filter(pk__in=ids).delete()


def register() -> None:
    register_panel(
        Panel(
            key="documents",
            title="Documents",
            permission="records.view_document",
            load=documents_panel,
            order=50,
            columns=COLUMNS,
            make_rows=make_rows,
            drop_rows=drop_rows,
            wants_user=True,
        )
    )
