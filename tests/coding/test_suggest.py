"""Suggestions from free text, measured on a labelled set of everyday phrasings
(bench/data/suggest_set.tsv: how clinicians and patients say it, never a code title).
The accuracy is reported in docs/benchmarks.md; the floor here catches regressions."""

from pathlib import Path

import pytest

from medoffice.coding.suggest import segments_of, suggest

SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "suggest_set.tsv"


def labelled(split: str | None = None) -> list[tuple[str, set[str]]]:
    rows = []
    for line in SET.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        part, text, codes = line.split("\t")
        if split in (None, part):
            rows.append((text, {c.replace(".", "") for c in codes.split()}))
    return rows


def accuracy(index, rows) -> tuple[float, float]:
    top1 = top5 = 0
    for text, wanted in rows:
        got = [s.code for s in suggest(index, text, limit=5)]
        top1 += bool(got) and got[0] in wanted
        top5 += bool(wanted & set(got))
    return top1 / len(rows), top5 / len(rows)


def test_the_labelled_set_has_both_splits_and_real_codes(icd10_index):
    assert len(labelled("dev")) >= 40
    assert len(labelled("test")) >= 40
    for _text, codes in labelled():
        for code in codes:
            assert icd10_index.entries[icd10_index.position[code]].billable, code


@pytest.mark.parametrize("split", ["dev", "test"])
def test_top5_accuracy_stays_above_the_floor(icd10_index, split):
    top1, top5 = accuracy(icd10_index, labelled(split))

    assert top5 >= 0.85, (split, top1, top5)
    assert top1 >= 0.65, (split, top1, top5)


def test_each_candidate_says_which_words_matched(icd10_index):
    candidates = suggest(icd10_index, "strep throat, rapid strep positive", limit=3)

    assert candidates[0].display == "J02.0"
    assert "strep throat" in candidates[0].matched
    assert 0 < candidates[0].score <= 1.05


def test_several_diagnoses_in_one_assessment_are_all_suggested(icd10_index):
    codes = [s.code for s in suggest(icd10_index, "Asthma; GERD; hypothyroidism", limit=10)]

    assert any(c.startswith("J45") for c in codes)
    assert "K219" in codes
    assert "E039" in codes


def test_negated_findings_are_not_suggested(icd10_index):
    codes = [s.code for s in suggest(icd10_index, "cough for a week. denies chest pain", limit=10)]

    assert "R059" in codes or any(c.startswith("R05") for c in codes)
    assert not any(c.startswith("R07") for c in codes)


def test_a_decimal_point_does_not_end_a_sentence():
    assert segments_of("Type 2 DM, A1c 9.1 uncontrolled") == [
        ("type 2 dm a1c 9 1 uncontrolled", "type 2 dm a1c 9 1 uncontrolled"),
        ("type 2 dm", "type 2 dm a1c 9 1 uncontrolled"),
        ("a1c 9 1 uncontrolled", "type 2 dm a1c 9 1 uncontrolled"),
    ]


def test_empty_or_filler_text_suggests_nothing(icd10_index):
    assert suggest(icd10_index, "") == []
    assert suggest(icd10_index, "pt presents today for f/u") == []
