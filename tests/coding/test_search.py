"""One-box code search over the full ICD-10-CM FY2026 set: prefixes, words in any order,
synonyms, typos, and the ranking (billable, favourites, this practice's usage)."""

from datetime import date

import pytest

from medoffice.coding import services
from medoffice.coding.search import code_search, stem, terms_of


def _codes(hits):
    return [h.entry.code for h in hits]


def test_a_code_prefix_lists_the_codes_under_it_billable_first(icd10_index):
    hits = icd10_index.search("E11", limit=100)

    assert hits
    assert all(code.startswith("E11") for code in _codes(hits))
    billable = [h.entry.billable for h in hits]
    assert billable == sorted(billable, reverse=True)
    assert "E119" in _codes(hits)[:5]
    assert _codes(icd10_index.search("e11.65")) == ["E1165"]


def test_words_in_any_order_find_the_same_codes(icd10_index):
    one = _codes(icd10_index.search("type 2 diabetes", limit=10))
    other = _codes(icd10_index.search("diabetes type 2", limit=10))

    assert one == other
    assert all(code.startswith("E11") for code in one)
    assert "E119" in one[:3]


def test_an_unfinished_last_word_is_a_prefix(icd10_index):
    assert all(c.startswith("E11") for c in _codes(icd10_index.search("type 2 diab", limit=5)))


def test_a_synonym_finds_the_code_titles_words(icd10_index):
    codes = _codes(icd10_index.search("heart attack", limit=5))

    assert any(code.startswith("I21") for code in codes)
    assert _codes(icd10_index.search("high blood pressure", limit=1)) == ["I10"]
    assert _codes(icd10_index.search("strep throat", limit=1)) == ["J020"]


def test_a_typo_still_finds_diabetes(icd10_index):
    hits = icd10_index.search("diabtes", limit=10)

    assert hits
    assert all("diabet" in h.entry.description.lower() or h.entry.extra for h in hits)
    assert any("Diabetes" in h.entry.description for h in hits)
    assert not hits[0].exact  # found through the typo, flagged as such


def test_billable_codes_come_before_categories(icd10_index):
    hits = icd10_index.search("diabetes mellitus", limit=60)
    billable = [h.entry.billable for h in hits]

    assert billable == sorted(billable, reverse=True)


def test_codes_this_practice_bills_rank_first_then_favourites_above_them(icd10_index):
    position = icd10_index.position
    usage = {position["E1165"]: 50, position["E1122"]: 20}

    ranked = _codes(icd10_index.search("type 2 diabetes", limit=5, usage=usage))
    assert ranked[:2] == ["E1165", "E1122"]

    favourite = _codes(
        icd10_index.search("type 2 diabetes", limit=5, usage=usage, favorites={position["E1140"]})
    )
    assert favourite[:3] == ["E1140", "E1165", "E1122"]


def test_nothing_but_stop_words_finds_nothing(icd10_index):
    assert icd10_index.search("of the and") == []
    assert icd10_index.search("   ") == []


def test_plurals_fold_the_same_way_in_titles_and_queries():
    assert stem("fractures") == "fracture"
    assert stem("mellitus") == "mellitus"
    assert terms_of("Crohn's disease of the colon") == ["crohn", "disease", "colon"]


@pytest.mark.django_db
def test_searches_the_release_in_force_with_favourites_and_usage(icd10_release, practice, provider):
    services.favorite_add(
        practice=practice, system="icd10cm", code="E11.40", specialty=provider.specialty
    )
    services.code_usage_record(practice=practice, system="icd10cm", code="E11.65", times=9)

    outcome = code_search(
        practice_id=practice.pk, query="type 2 diabetes", provider=provider, on=date(2026, 1, 5)
    )

    assert outcome.release == icd10_release
    assert _codes(outcome.hits)[:2] == ["E1140", "E1165"]
    assert outcome.hits[0].favorite
    assert outcome.hits[1].usage == 9
    # Without the provider the specialty's favourites do not apply; usage still does.
    plain = code_search(practice_id=practice.pk, query="type 2 diabetes", on=date(2026, 1, 5))
    assert _codes(plain.hits)[0] == "E1165"


@pytest.mark.django_db
def test_without_a_release_in_force_the_answer_says_so(practice):
    outcome = code_search(practice_id=practice.pk, query="asthma", on=date(2026, 1, 5))

    assert outcome.release is None
    assert outcome.hits == []
    assert "No ICD-10-CM release is loaded for 2026-01-05" in outcome.detail
