"""Which sex and ages a diagnosis code fits: a rule table, not a complete edit set.

The checks are of the kind CMS's Medicare Code Editor (MCE) makes (its "sex conflict"
and "age conflict" edits: maternity, newborn, pediatric, adult, male-only and
female-only diagnoses), written here as ranges of the ICD-10-CM tabular list that
any coder would recognise: chapter 15 is pregnancy, chapter 16 the perinatal
period, N40-N53 the male genital organs, N70-N98 the female ones. The MCE's own
lists are longer and change every year; these rules are MedOffice's, chosen for
clear cases only, and a code no rule names has no restriction (blank sex, no ages).
The scrubber treats a conflict as something to look at, not as a proof of error.

Sources of the ranges: the chapter and block titles of the tabular list itself, and
for chapter O the MCE's maternity ages as commonly applied (we use 12-55).
"""

import re

# (first code, last code, sex, age_min, age_max, why). Codes without the dot; a
# code falls in a range when its first characters sort between the two ends.
RULES: tuple[tuple[str, str, str, int | None, int | None, str], ...] = (
    # Pregnancy, childbirth and the puerperium; pregnancy-state Z codes.
    ("O00", "O9A", "F", 12, 55, "chapter 15: pregnancy, childbirth and the puerperium"),
    ("Z32", "Z37", "F", 12, 55, "pregnancy tests, pregnant state, supervision, outcome"),
    ("Z39", "Z39", "F", 12, 55, "postpartum care and examination"),
    ("Z3A", "Z3A", "F", 12, 55, "weeks of gestation"),
    # The perinatal period and newborns.
    ("P00", "P96", "", 0, 0, "chapter 16: conditions of the perinatal period (newborn)"),
    ("Z38", "Z38", "", 0, 0, "liveborn infants by place of birth"),
    ("Z0011", "Z0011", "", 0, 0, "newborn health examination"),
    ("Z0012", "Z0012", "", 0, 17, "routine child health examination"),
    ("Z0000", "Z0001", "", 18, None, "general adult medical examination"),
    # Male genital organs.
    ("C60", "C63", "M", None, None, "malignant neoplasms of male genital organs"),
    ("D074", "D076", "M", None, None, "carcinoma in situ of male genital organs"),
    ("D29", "D29", "M", None, None, "benign neoplasm of male genital organs"),
    ("D40", "D40", "M", None, None, "neoplasm of uncertain behaviour, male genital organs"),
    ("E29", "E29", "M", None, None, "testicular dysfunction"),
    ("N40", "N53", "M", None, None, "diseases of male genital organs (prostate, testis ...)"),
    ("Q53", "Q55", "M", None, None, "congenital malformations of male genital organs"),
    ("R86", "R86", "M", None, None, "abnormal findings in specimens from male genital organs"),
    ("Z125", "Z125", "M", None, None, "screening for malignant neoplasm of prostate"),
    # Female genital organs.
    ("C51", "C58", "F", None, None, "malignant neoplasms of female genital organs"),
    ("D06", "D06", "F", None, None, "carcinoma in situ of cervix uteri"),
    ("D070", "D073", "F", None, None, "carcinoma in situ of female genital organs"),
    ("D25", "D28", "F", None, None, "benign neoplasms of uterus, ovary, other female organs"),
    ("D39", "D39", "F", None, None, "neoplasm of uncertain behaviour, female genital organs"),
    ("E28", "E28", "F", None, None, "ovarian dysfunction"),
    ("N70", "N98", "F", None, None, "diseases of female pelvic organs and genital tract"),
    ("Q50", "Q52", "F", None, None, "congenital malformations of female genital organs"),
    ("R87", "R87", "F", None, None, "abnormal findings in specimens from female genital organs"),
    ("Z0141", "Z0141", "F", None, None, "gynecological examination"),
    ("Z124", "Z124", "F", None, None, "screening for malignant neoplasm of cervix"),
)

# Breast codes that name the sex in their title (C50 "... right female breast").
_FEMALE_BREAST = re.compile(r"\bfemale breast\b", re.IGNORECASE)
_MALE_BREAST = re.compile(r"\bmale breast\b", re.IGNORECASE)


def _in_range(code: str, first: str, last: str) -> bool:
    return code[: len(first)] >= first and code[: len(last)] <= last


def demographic_edit(code: str, description: str = "") -> tuple[str, int | None, int | None]:
    """(sex "F"/"M"/"", age_min, age_max) for a code without its dot; the first rule wins."""
    for first, last, sex, age_min, age_max, _why in RULES:
        if _in_range(code, first, last):
            return sex, age_min, age_max
    if _FEMALE_BREAST.search(description):
        return "F", None, None
    if _MALE_BREAST.search(description):
        return "M", None, None
    return "", None, None
