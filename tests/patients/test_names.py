"""Name keys, nickname canonicals, similarity, MRN and NPI check digits. Pure: no database."""

import pytest

from medoffice.core.identifiers import is_valid_npi, luhn_check_digit, mrn_from_number
from medoffice.patients.names import (
    are_name_variants,
    canonical_first_names,
    name_similarity,
    normalize,
    phonetic,
    search_keys,
    skeleton,
)
from medoffice.patients.search import FUZZY_THRESHOLD


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),  # typographic apostrophe
        ("Smith-Jones", "smithjones"),
        ("  Mary Ann ", "maryann"),
        ("José", "jose"),
        ("Müller", "muller"),
        ("Zoë", "zoe"),
        ("ÅSTRÖM", "astrom"),
        ("Nguyễn", "nguyen"),
        ("St. John", "stjohn"),
        ("", ""),
    ],
)
def test_normalize_folds_accents_and_drops_apostrophes_hyphens_spaces(typed, normalized):
    assert normalize(typed) == normalized


def test_normalize_gives_the_same_key_however_a_hyphenated_name_is_typed():
    variants = ["Garcia-Lopez", "Garcia Lopez", "garcía lópez", "GARCIALOPEZ"]
    assert {normalize(v) for v in variants} == {"garcialopez"}


def test_phonetic_key_is_shared_by_names_that_sound_alike():
    assert phonetic("smith") == phonetic("smyth")
    assert phonetic("catherine") == phonetic("kathryn")
    assert phonetic("smith") != phonetic("jones")
    assert phonetic("") == ""


def test_phonetic_key_fits_its_column():
    assert len(phonetic("a" * 60)) <= 20


def test_skeleton_is_the_same_for_transposed_letters_but_keeps_the_first_letter():
    assert skeleton("smith") == skeleton("simth") == skeleton("smiht")
    assert skeleton("smith") != skeleton("msith")
    assert skeleton("") == ""


@pytest.mark.parametrize(
    ("name", "canonicals"),
    [
        ("bob", ("robert",)),
        ("bobby", ("robert",)),
        ("robert", ("robert",)),
        ("bill", ("william",)),
        ("liz", ("elizabeth",)),
        ("zebediah", ("zebediah",)),  # unknown names stand for themselves
    ],
)
def test_nicknames_map_to_their_canonical_first_names(name, canonicals):
    assert canonical_first_names(name) == canonicals


def test_an_ambiguous_nickname_stands_for_every_canonical_name():
    assert set(canonical_first_names("jon")) == {"john", "jonathan"}


def test_name_variants_match_nicknames_both_ways_but_not_strangers():
    assert are_name_variants("Bob", "Robert")
    assert are_name_variants("Robert", "Bobby")
    assert are_name_variants("Jon", "Jonathan")
    assert are_name_variants("Jon", "John")
    assert are_name_variants("JOSÉ", "jose")
    assert not are_name_variants("Bob", "John")
    assert not are_name_variants("John", "Jonathan")  # each is its own canonical


def test_search_keys_use_the_canonical_first_name_so_bob_and_robert_share_a_key():
    bob = search_keys(first_name="Bob", last_name="O'Neil")
    robert = search_keys(first_name="Robert", last_name="ONeil")
    assert bob.first_key == robert.first_key
    assert bob.search_first == "bob"
    assert bob.search_last == robert.search_last == "oneil"
    assert bob.last_key == robert.last_key
    assert bob.last_skeleton == robert.last_skeleton


@pytest.mark.parametrize(
    ("query_first", "query_last", "why"),
    [
        ("John", "Smith", "exact"),
        ("jonh", "smiht", "typos"),
        ("jhon", "simth", "transposed letters"),
        ("john", "smyth", "spelled as it sounds"),
        ("Johnny", "Smith", "nickname"),
        ("Smith", "John", "first and last swapped"),
        ("J", "Smith", "initial"),
        ("", "smith", "last name alone"),
    ],
)
def test_name_similarity_forgives_typos_transpositions_nicknames_and_swaps(
    query_first, query_last, why
):
    assert name_similarity(query_first, query_last, "John", "Smith") >= FUZZY_THRESHOLD, why


def test_name_similarity_gives_full_marks_for_a_nickname_of_the_same_surname():
    assert name_similarity("Bob", "Jones", "Robert", "Jones") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("query_first", "query_last"),
    [("Mary", "Jones"), ("Robert", "Brown"), ("Alice", "Smithers-Lee"), ("Bob", "Smith")],
)
def test_name_similarity_keeps_different_people_below_the_threshold(query_first, query_last):
    assert name_similarity(query_first, query_last, "John", "Smith") < FUZZY_THRESHOLD


def test_a_swapped_reading_scores_a_little_below_the_straight_one():
    straight = name_similarity("John", "Smith", "John", "Smith")
    swapped = name_similarity("Smith", "John", "John", "Smith")
    assert swapped < straight


# --- MRN and NPI check digits -------------------------------------------------------------


def _mrn_is_valid(mrn: str) -> bool:
    return len(mrn) == 8 and mrn.isdigit() and luhn_check_digit(mrn[:-1]) == int(mrn[-1])


def test_mrn_is_seven_digits_of_sequence_and_a_check_digit():
    assert mrn_from_number(1) == "00000018"
    assert mrn_from_number(1234) == "00012344"
    for number in (1, 2, 99, 1234567, 9999999):
        mrn = mrn_from_number(number)
        assert len(mrn) == 8
        assert mrn[:7] == f"{number:07d}"
        assert _mrn_is_valid(mrn)


@pytest.mark.parametrize("number", [1, 42, 1234, 505050, 8765432])
def test_any_single_digit_typo_in_an_mrn_breaks_its_check_digit(number):
    mrn = mrn_from_number(number)
    for position in range(len(mrn)):
        for digit in "0123456789":
            if digit == mrn[position]:
                continue
            typo = mrn[:position] + digit + mrn[position + 1 :]
            assert not _mrn_is_valid(typo), typo


@pytest.mark.parametrize("number", [12, 1234, 2468135, 7654321, 1020304])
def test_swapping_neighbouring_digits_of_an_mrn_breaks_its_check_digit(number):
    mrn = mrn_from_number(number)
    for i in range(len(mrn) - 1):
        a, b = mrn[i], mrn[i + 1]
        if a == b or {a, b} == {"0", "9"}:  # the one swap Luhn cannot see
            continue
        swapped = mrn[:i] + b + a + mrn[i + 2 :]
        assert not _mrn_is_valid(swapped), swapped


def test_a_known_valid_npi_passes():
    assert is_valid_npi("1234567893")


@pytest.mark.parametrize(
    "npi", ["1234567894", "1234567883", "2134567893", "123456789", "12345678a3"]
)
def test_an_npi_with_an_altered_digit_or_wrong_shape_fails(npi):
    assert not is_valid_npi(npi)
