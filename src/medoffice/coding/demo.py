"""The demo practice's code sets: ICD-10-CM, a placeholder CPT set, a small HCPCS set,
modifiers, places and types of service, favourites and some usage counts.

The CPT codes carry placeholder descriptors, marked as such on every row and in the
release's source: MedOffice ships no CPT content (the AMA licenses it). Idempotent.
"""

import csv
import io
import random
from importlib import resources

from medoffice.coding import services
from medoffice.coding.models import CodeSetRelease, CodeSystem, FavoriteCode
from medoffice.core.models import Practice

PLACEHOLDER = "[demo placeholder, not the CPT descriptor]"
# Codes a family practice bills; what each stands for, in a few plain words of our own.
DEMO_CPT = (
    ("99202", "new patient office visit, straightforward"),
    ("99203", "new patient office visit, low complexity"),
    ("99204", "new patient office visit, moderate complexity"),
    ("99205", "new patient office visit, high complexity"),
    ("99211", "established patient visit, minimal"),
    ("99212", "established patient office visit, straightforward"),
    ("99213", "established patient office visit, low complexity"),
    ("99214", "established patient office visit, moderate complexity"),
    ("99215", "established patient office visit, high complexity"),
    ("99385", "preventive visit, new patient, 18-39"),
    ("99386", "preventive visit, new patient, 40-64"),
    ("99395", "preventive visit, established patient, 18-39"),
    ("99396", "preventive visit, established patient, 40-64"),
    ("99397", "preventive visit, established patient, 65 and over"),
    ("93000", "electrocardiogram with reading"),
    ("36415", "venous blood draw"),
    ("81002", "urinalysis, dipstick, no microscope"),
    ("87880", "rapid strep test"),
    ("90471", "vaccine administration, first"),
    ("90686", "influenza vaccine, preservative free"),
    ("11102", "skin biopsy, tangential, first lesion"),
    ("17110", "destruction of warts, up to 14"),
    ("20610", "large joint injection or aspiration"),
    ("69210", "earwax removal with instruments"),
    ("94640", "nebulizer treatment"),
    ("96127", "brief emotional or behavioural assessment"),
)
# Favourite diagnoses per specialty (as in the demo practice's providers).
FAVORITES = {
    "Family medicine": ("I10", "E119", "E785", "J069", "M5450", "Z0000", "N390", "F419"),
    "Internal medicine": ("I10", "E1165", "E1122", "N1830", "I4891", "E039", "E785"),
    "Pediatrics": ("Z00129", "J069", "H6690", "J020", "R509", "L209"),
    "Cardiology": ("I10", "I4891", "I509", "I2510", "R079", "R002"),
    "Dermatology": ("L700", "L209", "B079", "L570", "D485", "L918"),
}
USUAL = ("I10", "E119", "E785", "J069", "Z0000", "M5450", "E1165", "F419", "N390", "J020",
         "R051", "R0789", "K219", "E039", "J0190", "G4700", "E669", "Z23")  # fmt: skip


def load_demo_codes(*, practice: Practice, seed: int) -> dict:
    """Load whatever of the demo's code sets is missing; returns what was loaded."""
    loaded: dict[str, int] = {}
    loaded.update(services.reference_tables_load())
    if not CodeSetRelease.objects.filter(system=CodeSystem.ICD10CM).exists():
        loaded["ICD-10-CM codes"] = services.icd10_release_load().imported
    if not CodeSetRelease.objects.filter(system=CodeSystem.CPT).exists():
        rows = io.StringIO()
        csv.writer(rows).writerows((code, f"{PLACEHOLDER} {text}") for code, text in DEMO_CPT)
        loaded["CPT placeholder codes"] = services.cpt_release_import(
            data=rows.getvalue(),
            version=f"{_year_start().year}-demo",
            effective_from=_year_start(),
            source="MedOffice demo: placeholder descriptors, not CPT content",
            placeholder=True,
        ).imported
    if not CodeSetRelease.objects.filter(system=CodeSystem.HCPCS).exists():
        data = (resources.files("medoffice.coding") / "data" / "hcpcs_demo.txt").read_bytes()
        loaded["HCPCS codes"] = services.hcpcs_release_import(
            data=data,
            version=f"{_year_start().year}-demo",
            effective_from=_year_start(),
            source="MedOffice demo: a few HCPCS Level II codes in CMS's file layout",
        ).imported
    if not FavoriteCode.objects.filter(practice=practice).exists():
        for specialty, codes in FAVORITES.items():
            for code in codes:
                services.favorite_add(
                    practice=practice, system=CodeSystem.ICD10CM, code=code, specialty=specialty
                )
        rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        for rank, code in enumerate(USUAL):
            services.code_usage_record(
                practice=practice,
                system=CodeSystem.ICD10CM,
                code=code,
                times=max(1, int(400 / (rank + 1)) + rng.randint(0, 9)),
            )
        loaded["favourites"] = sum(len(c) for c in FAVORITES.values())
    return loaded


def _year_start():
    from datetime import date

    from django.utils import timezone

    return date(timezone.localdate().year, 1, 1)
