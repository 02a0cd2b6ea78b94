"""The record's lists: coded problems, vitals with LOINC codes and units, results and their
sign-off, and the summary that reads them in a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from medoffice.clinical import services
from medoffice.clinical.access import viewer_for
from medoffice.clinical.errors import ProblemCodeError, TransitionRefusedError
from medoffice.clinical.models import Problem
from medoffice.clinical.panels import Panel, PanelData, register_panel, unregister_panel
from medoffice.clinical.selectors import chart_summary


def test_a_problem_is_stored_with_the_code_sets_description(patient, doctor, icd10):
    problem = services.problem_add(patient=patient, code="e11.9", recorded_by=doctor)

    assert (problem.code, problem.dotted) == ("E119", "E11.9")
    assert problem.description == "Type 2 diabetes mellitus without complications"


@pytest.mark.parametrize(
    ("code", "says"), [("1E1.9", "not an ICD-10-CM code"), ("Z99.89", "is not in ICD-10-CM")]
)
def test_a_problem_with_a_bad_code_is_refused_and_nothing_saved(patient, icd10, code, says):
    with pytest.raises(ProblemCodeError, match=says):
        services.problem_add(patient=patient, code=code)
    assert not Problem.objects.exists()


def test_a_category_may_stand_on_the_problem_list(patient, icd10):
    assert services.problem_add(patient=patient, code="E11").description.startswith("Type 2")


def test_the_problem_form_shows_the_code_error(patient, doctor, icd10, client_for):
    client = client_for(doctor)

    response = client.post(
        reverse("clinical:problem-add", args=[patient.public_id]),
        {"code": "Q99.999", "status": "active"}, follow=True,
    )  # fmt: skip

    assert "is not in ICD-10-CM 2026" in response.content.decode()
    assert not Problem.objects.exists()


def test_a_vital_brings_its_loinc_code_and_unit_and_refuses_implausible_values(patient):
    vital = services.vital_record(patient=patient, kind="systolic", value=Decimal("128"))

    assert (vital.loinc, vital.unit) == ("8480-6", "mm[Hg]")
    with pytest.raises(ValidationError):
        services.vital_record(patient=patient, kind="systolic", value=Decimal("1280"))


def test_a_result_is_signed_off_once(chart, doctor):
    result = chart["patient"].results.get(name="Hemoglobin A1c")

    reviewed = services.result_review(result=result, reviewed_by=doctor, comment="Call patient")

    assert reviewed.reviewed_by == doctor
    with pytest.raises(TransitionRefusedError):
        services.result_review(result=result, reviewed_by=doctor)


def test_the_results_page_flags_abnormal_values_and_offers_sign_off(chart, doctor, client_for):
    page = client_for(doctor).get(
        reverse("clinical:result-list", args=[chart["patient"].public_id])
    )
    body = page.content.decode()

    assert 'class="abnormal"' in body
    assert "4.0-5.6" in body
    assert "Sign off" in body


def test_the_summary_costs_the_same_queries_for_a_big_chart_as_a_small_one(chart, provider, doctor):
    patient = chart["patient"]
    viewer = viewer_for(doctor, patient)
    with CaptureQueriesContext(connection) as small:
        chart_summary(patient, viewer)
    now = timezone.now()
    for n in range(60):
        services.result_add(patient=patient, name=f"Test {n}", value="1", flag="N",
                            resulted_at=now - timedelta(days=n))  # fmt: skip
        services.vital_record(patient=patient, kind="pulse", value=Decimal(70 + n % 20))
        services.immunization_add(patient=patient, cvx="141", vaccine="Influenza",
                                  given_on=date(2020, 1, 1) + timedelta(days=n))  # fmt: skip

    with CaptureQueriesContext(connection) as big:
        summary = chart_summary(patient, viewer)

    assert len(big) == len(small)
    assert len(summary.results) == 10
    assert summary.results_total == 62
    assert summary.results_to_review == 62


def test_another_app_contributes_a_panel_through_the_registry(chart, doctor, client_for):
    def load(patient, limit):
        return PanelData(rows=[{"title": "Discharge summary"}], total=1,
                         columns=(("title", "Title"),))  # fmt: skip

    register_panel(Panel(key="test-docs", title="Scanned papers",
                         permission="clinical.view_note", load=load))  # fmt: skip
    try:
        page = client_for(doctor).get(reverse("clinical:chart", args=[chart["patient"].public_id]))
    finally:
        unregister_panel("test-docs")

    assert "Scanned papers" in page.content.decode()
    assert "Discharge summary" in page.content.decode()
