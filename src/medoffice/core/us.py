"""United States facts: state codes, which ZIP prefixes belong to which state, and the shape
of a Social Security number."""

import re

from django.core.exceptions import ValidationError
from django.db import models


class UsState(models.TextChoices):
    AL = "AL", "Alabama"
    AK = "AK", "Alaska"
    AZ = "AZ", "Arizona"
    AR = "AR", "Arkansas"
    CA = "CA", "California"
    CO = "CO", "Colorado"
    CT = "CT", "Connecticut"
    DE = "DE", "Delaware"
    DC = "DC", "District of Columbia"
    FL = "FL", "Florida"
    GA = "GA", "Georgia"
    HI = "HI", "Hawaii"
    ID = "ID", "Idaho"
    IL = "IL", "Illinois"
    IN = "IN", "Indiana"
    IA = "IA", "Iowa"
    KS = "KS", "Kansas"
    KY = "KY", "Kentucky"
    LA = "LA", "Louisiana"
    ME = "ME", "Maine"
    MD = "MD", "Maryland"
    MA = "MA", "Massachusetts"
    MI = "MI", "Michigan"
    MN = "MN", "Minnesota"
    MS = "MS", "Mississippi"
    MO = "MO", "Missouri"
    MT = "MT", "Montana"
    NE = "NE", "Nebraska"
    NV = "NV", "Nevada"
    NH = "NH", "New Hampshire"
    NJ = "NJ", "New Jersey"
    NM = "NM", "New Mexico"
    NY = "NY", "New York"
    NC = "NC", "North Carolina"
    ND = "ND", "North Dakota"
    OH = "OH", "Ohio"
    OK = "OK", "Oklahoma"
    OR = "OR", "Oregon"
    PA = "PA", "Pennsylvania"
    RI = "RI", "Rhode Island"
    SC = "SC", "South Carolina"
    SD = "SD", "South Dakota"
    TN = "TN", "Tennessee"
    TX = "TX", "Texas"
    UT = "UT", "Utah"
    VT = "VT", "Vermont"
    VA = "VA", "Virginia"
    WA = "WA", "Washington"
    WV = "WV", "West Virginia"
    WI = "WI", "Wisconsin"
    WY = "WY", "Wyoming"
    PR = "PR", "Puerto Rico"
    VI = "VI", "U.S. Virgin Islands"
    GU = "GU", "Guam"
    AS = "AS", "American Samoa"
    MP = "MP", "Northern Mariana Islands"
    AA = "AA", "Armed Forces Americas"
    AE = "AE", "Armed Forces Europe"
    AP = "AP", "Armed Forces Pacific"


# USPS three-digit ZIP prefixes by state (inclusive ranges).
_ZIP3_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "PR": ((6, 7), (9, 9)),
    "VI": ((8, 8),),
    "MA": ((10, 27), (55, 55)),
    "RI": ((28, 29),),
    "NH": ((30, 38),),
    "ME": ((39, 49),),
    "VT": ((50, 54), (56, 59)),
    "CT": ((60, 69),),
    "NJ": ((70, 89),),
    "AE": ((90, 99),),
    "NY": ((5, 5), (100, 149)),
    "PA": ((150, 196),),
    "DE": ((197, 199),),
    "DC": ((200, 200), (202, 205), (569, 569)),
    "MD": ((206, 219),),
    "VA": ((201, 201), (220, 246)),
    "WV": ((247, 268),),
    "NC": ((270, 289),),
    "SC": ((290, 299),),
    "GA": ((300, 319), (398, 399)),
    "FL": ((320, 339), (341, 349)),
    "AA": ((340, 340),),
    "AL": ((350, 369),),
    "TN": ((370, 385),),
    "MS": ((386, 397),),
    "KY": ((400, 427),),
    "OH": ((430, 459),),
    "IN": ((460, 479),),
    "MI": ((480, 499),),
    "IA": ((500, 528),),
    "WI": ((530, 549),),
    "MN": ((550, 567),),
    "SD": ((570, 577),),
    "ND": ((580, 588),),
    "MT": ((590, 599),),
    "IL": ((600, 629),),
    "MO": ((630, 658),),
    "KS": ((660, 679),),
    "NE": ((680, 693),),
    "LA": ((700, 714),),
    "AR": ((716, 729),),
    "OK": ((730, 749),),
    "TX": ((750, 799), (885, 885)),
    "CO": ((800, 816),),
    "WY": ((820, 831),),
    "ID": ((832, 838),),
    "UT": ((840, 847),),
    "AZ": ((850, 865),),
    "NM": ((870, 884),),
    "NV": ((889, 898),),
    "CA": ((900, 961),),
    "AP": ((962, 966),),
    "HI": ((967, 968),),
    "GU": ((969, 969),),
    "MP": ((969, 969),),
    "AS": ((967, 967),),
    "OR": ((970, 979),),
    "WA": ((980, 994),),
    "AK": ((995, 999),),
}

_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")


def validate_zip(value: str) -> None:
    if not _ZIP_RE.match(value):
        raise ValidationError("A ZIP code is 5 digits or ZIP+4 (12345-6789).", code="invalid_zip")


def zip_matches_state(zip_code: str, state: str) -> bool:
    if not _ZIP_RE.match(zip_code) or state not in _ZIP3_RANGES:
        return False
    prefix = int(zip_code[:3])
    return any(low <= prefix <= high for low, high in _ZIP3_RANGES[state])


def zip_prefixes(state: str) -> list[int]:
    """Every three-digit prefix of a state (for generating plausible addresses)."""
    return [p for low, high in _ZIP3_RANGES[state] for p in range(low, high + 1)]


# An SSN is AAA-GG-SSSS. The SSA never issues area 000, 666 or 900-999, group 00 or serial
# 0000 (SSA, "Social Security Number Randomization", 2011).
_SSN_RE = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")


def ssn_normalise(value: str) -> str:
    """'123456789' or '123-45-6789' -> '123-45-6789'; '' for blank; ValidationError otherwise."""
    text = (value or "").strip().replace(" ", "")
    if not text:
        return ""
    match = _SSN_RE.fullmatch(text)
    if match is None:
        raise ValidationError("An SSN is 9 digits: 123-45-6789.", code="invalid_ssn")
    area, group, serial = match.groups()
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        raise ValidationError(
            "Not an SSN the Social Security Administration issues.", code="invalid_ssn"
        )
    return f"{area}-{group}-{serial}"


def validate_ssn(value: str) -> None:
    if value and ssn_normalise(value) != value:
        raise ValidationError("An SSN is written 123-45-6789.", code="invalid_ssn")


def ssn_masked(value: str) -> str:
    """What every screen and answer shows: the last four digits only (AC-03)."""
    return f"***-**-{value[-4:]}" if value else ""
