"""Synthetic patients and the demo practice: deterministic, fast, never real people.

`generate_patients` bulk-creates patients (with coverage and consents) from a
seeded `random.Random`, batch by batch, so a million rows fit in a few
minutes and in little memory. `load_demo` builds the "Riverside Family
Medicine" practice with locations, providers, payers, one login per role and
a couple of thousand patients.

Every name, address, phone number and member id here is made up: names are
drawn independently from frequency-weighted lists, phone numbers are random
(valid-looking) numbers, e-mail addresses use the reserved example.* domains.
"""

from __future__ import annotations

import bisect
import itertools
import random
import secrets
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, partial

from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.bulk import bigger_sqlite_cache
from medoffice.core.context import Actor, acting_as
from medoffice.core.identifiers import mrn_from_number, npi_from_stem
from medoffice.core.models import AuditAction, Location, Practice, Provider
from medoffice.core.roles import Role
from medoffice.core.sealing import SealedCharField, member_id_index
from medoffice.core.us import zip_prefixes
from medoffice.patients.models import (
    ClaimFilingIndicator,
    Consent,
    ConsentKind,
    ContactMethod,
    Coverage,
    GenderIdentity,
    GuarantorRelationship,
    MrnCounter,
    Patient,
    PatientStatus,
    Payer,
    SubscriberRelationship,
)
from medoffice.patients.names import nicknames_of, search_keys

# Demo only: every demo login shares this password. Never use load_demo on a
# system that holds real patients.
DEMO_PASSWORD = "riverside-demo-2026"  # noqa: S105
DEMO_PRACTICE_NAME = "Riverside Family Medicine"
DEMO_SEED = 20261123
# Whom the audit rows written by the demo loaders name.
DEMO_ACTOR = Actor(user_id=None, username="medoffice demo", role="")


@contextmanager
def demo_loading() -> Iterator[Practice]:
    """The demo practice, for a load_demo_* command to add to: what its block writes is
    audited as the demo's. Refuses (CommandError) before load_demo has made the practice."""
    practice = Practice.objects.filter(name=DEMO_PRACTICE_NAME).first()
    if practice is None:
        raise CommandError("load the demo practice first (load_demo)")
    with acting_as(DEMO_ACTOR):
        yield practice


# Generated dates lie before this day, so a data set does not depend on when it is built.
REFERENCE_DATE = date(2025, 1, 1)
_DOB_FIRST = date(1925, 1, 1)
_DOB_DAYS = (date(2024, 12, 31) - _DOB_FIRST).days + 1


def _weights(text: str) -> tuple[tuple[str, int], ...]:
    """'Smith:828 Van_Dyke:3' -> (('Smith', 828), ('Van Dyke', 3))."""
    pairs = (item.rpartition(":") for item in text.split())
    return tuple((name.replace("_", " "), int(weight)) for name, _, weight in pairs)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ---------------------------------------------------------------------------
# Word lists. Weights are rough frequencies per 100,000 people (US census
# surnames, SSA first names), so a few names are very common and most are rare.

_SURNAMES = _weights(
    "Smith:828 Johnson:655 Williams:550 Brown:487 Jones:483 Garcia:469 Miller:457 Davis:380 "
    "Rodriguez:353 Martinez:350 Hernandez:344 Lopez:287 Gonzalez:279 Wilson:274 Anderson:271 "
    "Thomas:265 Taylor:262 Moore:240 Jackson:237 Martin:236 Lee:229 Perez:224 Thompson:220 "
    "White:219 Harris:208 Sanchez:206 Clark:187 Ramirez:184 Lewis:175 Robinson:174 Walker:170 "
    "Young:165 Allen:160 King:159 Wright:158 Scott:151 Torres:150 Nguyen:149 Hill:148 "
    "Flores:147 Green:146 Adams:144 Nelson:143 Baker:142 Hall:134 Rivera:134 Campbell:129 "
    "Mitchell:128 Carter:126 Roberts:125 Gomez:120 Phillips:119 Evans:118 Turner:117 Diaz:116 "
    "Parker:115 Cruz:114 Edwards:113 Collins:112 Reyes:111 Stewart:110 Morris:108 Morales:107 "
    "Murphy:106 Cook:105 Rogers:104 Gutierrez:103 Ortiz:102 Morgan:101 Cooper:100 Peterson:99 "
    "Bailey:98 Reed:97 Kelly:96 Howard:95 Ramos:94 Kim:93 Cox:92 Ward:91 Richardson:90 "
    "Watson:89 Brooks:88 Chavez:87 Wood:86 James:85 Bennett:84 Gray:83 Mendoza:82 Ruiz:81 "
    "Hughes:80 Price:79 Alvarez:78 Castillo:77 Sanders:76 Patel:75 Myers:74 Long:73 Ross:72 "
    "Foster:71 Jimenez:70 Powell:69 Jenkins:68 Perry:67 Russell:66 Sullivan:65 Bell:64 "
    "Coleman:63 Butler:62 Henderson:61 Barnes:60 Gonzales:59 Fisher:58 Vasquez:57 Simmons:56 "
    "Romero:55 Jordan:54 Patterson:53 Alexander:52 Hamilton:51 Graham:50 Reynolds:49 "
    "Griffin:48 Wallace:47 Moreno:46 West:45 Cole:44 Hayes:43 Bryant:42 Herrera:41 Gibson:40 "
    "Ellis:40 Tran:40 Medina:39 Aguilar:38 Stevens:38 Murray:37 Ford:37 Castro:36 Marshall:36 "
    "Owens:35 Harrison:35 Fernandez:34 McDonald:34 Woods:33 Washington:33 Kennedy:32 Wells:32 "
    "Vargas:31 Henry:31 Chen:30 Freeman:30 Webb:29 Tucker:29 Guzman:28 Burns:28 Crawford:27 "
    "Olson:27 Simpson:26 Porter:26 Hunter:25 Gordon:25 Mendez:24 Silva:24 Shaw:24 Snyder:23 "
    "Mason:23 Dixon:23 Munoz:22 Hunt:22 Hicks:22 Holmes:21 Palmer:21 Wagner:21 Black:20 "
    "Robertson:20 Boyd:20 Rose:19 Stone:19 Salazar:19 Fox:18 Warren:18 Mills:18 Meyer:17 "
    "Rice:17 Schmidt:17 Garza:17 Daniels:16 Ferguson:16 Nichols:16 Stephens:16 Soto:15 "
    "Weaver:15 Ryan:15 Gardner:15 Payne:15 Grant:14 Dunn:14 Kelley:14 Spencer:14 Hawkins:14 "
    "Arnold:13 Pierce:13 Vazquez:13 Hansen:13 Peters:13 Santos:12 Hart:12 Bradley:12 "
    "Knight:12 Elliott:12 Cunningham:12 Duncan:11 Armstrong:11 Hudson:11 Carroll:11 Lane:11 "
    "Riley:11 Andrews:11 Alvarado:11 Ray:10 Delgado:10 Berry:10 Perkins:10 Hoffman:10 "
    "Johnston:10 Matthews:10 Pena:10 Richards:10 Contreras:10 Willis:10 Wang:10 Singh:10 "
    "Li:10 Zhang:9 Liu:9 Le:9 Pham:9 Huang:8 Wu:8 Yang:8 Park:8 Shah:8 Khan:8 Ali:8 Choi:7 "
    "Lin:7 Nowak:7 Kowalski:7 Wojcik:6 Kaminski:6 Lewandowski:6 O'Brien:7 O'Connor:6 "
    "McCarthy:6 Gallagher:5 Walsh:6 Byrne:5 Brennan:5 Fitzgerald:6 Murphy-Jones:2 "
    "Garcia-Lopez:2 Smith-Jackson:2 Jean-Baptiste:3 Pierre:4 Dubois:3 Lefebvre:2 Cohen:6 "
    "Goldberg:4 Schwartz:5 Friedman:4 Rossi:3 Russo:4 Romano:3 Esposito:3 Ricci:2 Muller:3 "
    "Schneider:5 Fischer:4 Weber:4 Becker:5 Jensen:5 Larson:6 Nielsen:3 Lindqvist:1 "
    "Johansson:2 Novak:3 Horvath:2 Ivanov:2 Petrov:2 Popescu:1 Papadopoulos:2 Yilmaz:1 "
    "Haddad:2 Hassan:4 Hussein:3 Mohamed:4 Ahmed:5 Ibrahim:3 Abdullah:2 Okafor:2 Adeyemi:2 "
    "Mensah:2 Nwosu:1 Osei:1 Tanaka:2 Yamamoto:2 Nakamura:2 Sato:2 Suzuki:2 Jung:3 Kang:3 "
    "Cho:3 Gupta:5 Kumar:5 Reddy:3 Rao:3 Mehta:3 Joshi:3 Das:3 Bui:3 Do:3 Vo:3 Hoang:3 "
    "Oliveira:2 Pereira:3 Costa:3 Ferreira:2 Fernandes:2 Santiago:5 Figueroa:5 Rios:5 "
    "Navarro:5 Campos:4 Vega:6 Sandoval:4 Espinoza:4 Acosta:5 Dominguez:5 Guerrero:5 Luna:4 "
)

# Long tail: believable surnames made of a root and an ending (Ashford, Lindberg ...).
_TAIL_ROOTS = _words(
    "Ash Brad Bran Brook Cal Carl Dal Ed Ell Fair Gold Green Hal Har Hol Kirk Lang Lind Mar "
    "Mid Nor Pem Red Ros Stan Sum Thorn Wal Wes Whit Win Wood Blan Crom Dun Farn Hamp Kings "
    "Pres Stock "
)
_TAIL_ENDINGS = _words(
    "ton ford ley wood field man son sen berg stein well worth by ham more dale wick burn er ridge "
)
_TAIL_LINKS = ("", "s", "er", "en", "ing")
# The listed names cover about a fifth of people (as in the census); the other
# three quarters get one of 4,000 rarer names, so Smith is about 1% of patients.
_TAIL_SHARE = 0.75

_FEMALE_FIRST = _weights(
    "Mary:260 Patricia:110 Jennifer:105 Linda:100 Elizabeth:95 Barbara:90 Susan:85 Jessica:80 "
    "Sarah:78 Karen:75 Lisa:70 Nancy:68 Betty:60 Sandra:58 Margaret:58 Ashley:56 Kimberly:55 "
    "Emily:54 Donna:52 Michelle:52 Carol:50 Amanda:50 Melissa:48 Deborah:48 Stephanie:46 "
    "Dorothy:45 Rebecca:45 Sharon:44 Laura:44 Cynthia:42 Amy:42 Kathleen:40 Angela:40 "
    "Shirley:38 Brenda:38 Emma:38 Anna:37 Pamela:36 Nicole:36 Samantha:35 Katherine:35 "
    "Christine:34 Helen:33 Debra:33 Rachel:32 Carolyn:32 Janet:31 Maria:45 Catherine:30 "
    "Heather:30 Diane:29 Olivia:29 Julie:28 Joyce:28 Victoria:27 Ruth:27 Virginia:26 "
    "Lauren:26 Kelly:25 Christina:25 Joan:24 Evelyn:24 Judith:23 Andrea:23 Hannah:22 Megan:22 "
    "Cheryl:21 Jacqueline:21 Martha:20 Madison:20 Teresa:20 Gloria:19 Sara:19 Janice:18 "
    "Ann:18 Abigail:17 Sophia:17 Frances:16 Jean:16 Alice:15 Isabella:15 Julia:15 Grace:14 "
    "Amber:14 Denise:13 Danielle:13 Marilyn:12 Beverly:12 Charlotte:12 Natalie:12 Theresa:11 "
    "Diana:11 Brittany:11 Doris:10 Kayla:10 Alexis:10 Lori:10 Marie:10 Rose:9 Ava:12 Mia:11 "
    "Sofia:10 Camila:8 Valentina:6 Guadalupe:7 Lucia:6 Ximena:4 Rosa:8 Carmen:9 Ana:9 Juana:5 "
    "Mei:4 Ling:4 Xin:3 Priya:5 Ananya:3 Aisha:5 Fatima:5 Leila:4 Yasmin:3 Linh:4 Thi:3 Hoa:3 "
    "Yuki:3 Ji-woo:2 Seo-yeon:2 Olga:3 Natasha:4 Agnieszka:3 Katarzyna:3 Ngozi:2 Amara:3 "
    "Chioma:2 Zainab:3 Siobhan:2 Chloe:8 Zoe:7 Aaliyah:6 Imani:4 Keisha:4 Tamika:3 Shanice:2 "
    "Renee:6 Monique:4 Yolanda:5 Gabrielle:5 Beth:4 Peggy:5 Sue:4 Kay:4 "
)
_MALE_FIRST = _weights(
    "James:330 Robert:320 John:315 Michael:300 William:240 David:235 Richard:160 Joseph:150 "
    "Thomas:140 Charles:135 Christopher:120 Daniel:115 Matthew:100 Anthony:95 Mark:92 "
    "Donald:90 Steven:88 Paul:85 Andrew:83 Joshua:80 Kenneth:75 Kevin:74 Brian:73 George:72 "
    "Timothy:70 Ronald:68 Edward:66 Jason:65 Jeffrey:64 Ryan:62 Jacob:60 Gary:58 Nicholas:57 "
    "Eric:56 Jonathan:55 Stephen:54 Larry:52 Justin:50 Scott:49 Brandon:48 Benjamin:47 "
    "Samuel:46 Gregory:45 Alexander:44 Frank:43 Patrick:42 Raymond:41 Jack:40 Dennis:39 "
    "Jerry:38 Tyler:37 Aaron:36 Jose:50 Adam:35 Nathan:34 Henry:33 Douglas:32 Zachary:31 "
    "Peter:30 Kyle:29 Noah:29 Ethan:28 Jeremy:27 Walter:27 Christian:26 Keith:25 Roger:25 "
    "Terry:24 Austin:24 Sean:23 Gerald:23 Carl:22 Harold:22 Dylan:21 Arthur:21 Lawrence:20 "
    "Jordan:20 Jesse:19 Bryan:19 Billy:18 Bruce:18 Gabriel:17 Joe:17 Logan:16 Alan:16 Juan:30 "
    "Albert:15 Willie:15 Elijah:14 Wayne:14 Randy:13 Vincent:13 Mason:13 Roy:12 Ralph:12 "
    "Bobby:11 Russell:11 Bradley:11 Philip:11 Eugene:10 Luis:22 Carlos:20 Jorge:12 Miguel:14 "
    "Alejandro:9 Diego:8 Santiago:6 Mateo:7 Jesus:9 Francisco:10 Wei:5 Jian:3 Minh:4 Duc:3 "
    "Huy:3 Raj:4 Arjun:4 Vikram:3 Rohan:3 Mohammed:6 Ahmed:4 Omar:5 Ali:4 Yusuf:3 Hiroshi:2 "
    "Kenji:2 Jin:2 Min-jun:2 Dmitri:2 Ivan:3 Kwame:2 Chinedu:2 Oluwaseun:1 Tariq:2 Piotr:3 "
    "Tomasz:2 Liam:12 Lucas:10 Oliver:9 Darnell:4 DeShawn:3 Jamal:5 Malik:4 Andre:6 Marcus:8 "
    "Terrence:4 Cornelius:2 Bob:3 Jim:3 Mike:3 Tom:2 Bill:2 "
)
_MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTW"

_STREETS = _words(
    "Main Oak Maple Cedar Elm Pine Washington Lake Hill Walnut Park Lincoln Jefferson Church "
    "Spring Ridge Highland Sunset Jackson Chestnut Mill River Prairie Meadow Forest Adams "
    "Madison Monroe Grand Broadway College Locust Willow Birch Cherry Franklin Union Market "
    "Center North South Orchard Fairview Sycamore Hickory Dogwood Lakeview Greenwood Wabash "
    "Sangamon Douglas Clinton Grant Vine Laurel Holly "
)
_STREET_TYPES = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl", "Ter")

# City, ZIP3 (the first three digits of its ZIP codes) per state.
_CITIES = {
    "IL": (
        ("Springfield", 627),
        ("Springfield", 627),
        ("Springfield", 627),
        ("Chatham", 626),
        ("Rochester", 627),
        ("Sherman", 626),
        ("Auburn", 626),
        ("Petersburg", 626),
        ("Jacksonville", 626),
        ("Lincoln", 626),
        ("Taylorville", 625),
        ("Decatur", 625),
        ("Champaign", 618),
        ("Urbana", 618),
        ("Bloomington", 617),
        ("Peoria", 616),
        ("Quincy", 623),
        ("Chicago", 606),
        ("Naperville", 605),
        ("Aurora", 605),
        ("Joliet", 604),
        ("Rockford", 611),
        ("Carbondale", 629),
        ("Belleville", 622),
        ("Lake Springfield", 627),
    ),
    "MO": (("St. Louis", 631), ("Hannibal", 634), ("Columbia", 652), ("Kansas City", 641)),
    "IN": (("Terre Haute", 478), ("Indianapolis", 462), ("Lafayette", 479)),
    "WI": (("Madison", 537), ("Milwaukee", 532), ("Green Bay", 543)),
    "IA": (("Davenport", 528), ("Des Moines", 503), ("Iowa City", 522)),
    "KY": (("Louisville", 402), ("Paducah", 420), ("Lexington", 405)),
    "CA": (("Los Angeles", 900), ("San Diego", 921), ("Sacramento", 958)),
    "TX": (("Houston", 770), ("Dallas", 752), ("Austin", 787)),
    "FL": (("Miami", 331), ("Orlando", 328), ("Tampa", 336)),
    "NY": (("Brooklyn", 112), ("Buffalo", 142), ("Albany", 122)),
}
_GENERIC_CITIES = (
    "Springfield",
    "Franklin",
    "Greenville",
    "Clinton",
    "Madison",
    "Salem",
    "Fairview",
    "Georgetown",
    "Riverside",
    "Oakland",
)
# Valid North American area codes by state (checked by the tests with phonenumbers).
_AREA_CODES = {
    "IL": (217, 217, 217, 217, 309, 312, 618, 630, 708, 773, 779, 815, 847, 872, 224, 331, 447),
    "MO": (314, 417, 573, 636, 660, 816),
    "IN": (219, 260, 317, 463, 574, 765, 812),
    "WI": (262, 414, 608, 715, 920),
    "IA": (319, 515, 563, 641, 712),
    "KY": (270, 502, 606, 859),
    "CA": (213, 310, 415, 510, 619, 714, 818, 916),
    "TX": (210, 214, 281, 512, 713, 817, 972),
    "FL": (305, 407, 561, 727, 813, 904),
    "NY": (212, 315, 516, 518, 585, 718, 914),
    "OH": (216, 330, 419, 513, 614, 937),
    "MI": (248, 313, 517, 616, 734),
    "MN": (218, 507, 612, 651, 763),
    "GA": (404, 470, 678, 706, 770),
    "AZ": (480, 520, 602, 623),
    "MA": (413, 508, 617, 781, 978),
    "WA": (206, 253, 360, 425, 509),
    "PA": (215, 412, 484, 570, 610, 717),
}
_OTHER_STATES = ("MO", "IN", "WI", "IA", "KY", "CA", "TX", "FL", "NY")

_LANGUAGES = _weights(
    "en:7800 es:1300 zh:140 vi:90 tl:80 ar:60 ko:50 ru:50 pl:70 fr:20 ht:20 pt:20 de:10 it:10 "
    "hi:30 ur:20 bn:10 pa:10 gu:20 fa:10 ja:10 so:10 am:10 sgn:10 other:20 "
)
_RELATIONS = ("Spouse", "Spouse", "Parent", "Child", "Sibling", "Friend", "Partner")
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


@cache
def _cumulative(pairs: tuple) -> tuple[tuple, list[float]]:
    values = tuple(value for value, _ in pairs)
    return values, list(itertools.accumulate(weight for _, weight in pairs))


def _weighted(rng: random.Random, pairs: tuple):
    values, cumulative = _cumulative(pairs)
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


@cache
def _tail_surnames() -> tuple[str, ...]:
    """Believable rare surnames: Ashford, Brookinghurst, Lindenberg ..."""
    names = [
        root + link + ending
        for ending in _TAIL_ENDINGS
        for link in _TAIL_LINKS
        for root in _TAIL_ROOTS
    ]
    return tuple(dict.fromkeys(names))


def _surname(rng: random.Random) -> str:
    if rng.random() < _TAIL_SHARE:
        tail = _tail_surnames()
        return tail[int(len(tail) * rng.random() ** 1.5)]  # rarer further down the list
    return _weighted(rng, _SURNAMES)


def _first_name(rng: random.Random, sex: str) -> str:
    if sex == "U":
        sex = rng.choice("FM")
    return _weighted(rng, _FEMALE_FIRST if sex == "F" else _MALE_FIRST)


def misspell(rng: random.Random, name: str) -> str:
    """One typing slip: two neighbours swapped, a letter dropped, doubled or replaced."""
    letters = list(name)
    inner = [i for i in range(1, len(letters) - 1) if letters[i].isalpha()]
    if len(inner) < 2:
        return name + name[-1].lower()
    kind = rng.random()
    i = rng.choice(inner[:-1])
    if kind < 0.4 and letters[i + 1].isalpha():
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    elif kind < 0.6:
        del letters[i]
    elif kind < 0.8:
        letters.insert(i, letters[i])
    else:
        vowels = "aeiou"
        letters[i] = rng.choice(
            vowels if letters[i] not in vowels else "aeiouy".replace(letters[i], "")
        )
    result = "".join(letters)
    return result if result.lower() != name.lower() else result + "e"


def _phone(rng: random.Random, state: str) -> str:
    area = rng.choice(_AREA_CODES.get(state) or _AREA_CODES["IL"])
    while True:
        exchange = rng.randint(200, 999)
        if exchange % 100 != 11 and exchange != 555:  # N11 codes and 555 are not real exchanges
            break
    return f"+1{area}{exchange}{rng.randint(0, 9999):04d}"


def _zip(rng: random.Random, state: str, zip3: int | None) -> str:
    prefix = zip3 if zip3 is not None else rng.choice(zip_prefixes(state))
    return f"{prefix:03d}{rng.randint(1, 99):02d}"


def _one_line(address: dict) -> str:
    return f"{address['address1']}, {address['city']}, {address['state']} {address['zip_code']}"


def _age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _random_day(rng: random.Random, first: date, last: date) -> date:
    span = (last - first).days
    return first + timedelta(days=rng.randint(0, max(span, 0)))


def _uuid(rng: random.Random) -> uuid.UUID:
    # Public ids must be unique across runs (two practices generated with one seed), so
    # they are not reproducible; the draw from `rng` stays, so the people still are.
    return uuid.UUID(int=rng.getrandbits(128) ^ secrets.randbits(128), version=4)


# ---------------------------------------------------------------------------
# Member ids in the shapes payers use.

_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # Medicare Beneficiary Identifier: no S L O I B Z
# The shape of a Medicare Beneficiary Identifier (letters other than S L O I B Z in fact).
MBI_PATTERN = r"^[1-9][A-Z][A-Z0-9]\d[A-Z][A-Z0-9]\d[A-Z]{2}\d{2}$"


def _mbi(rng: random.Random) -> str:
    alnum = _MBI_LETTERS + "0123456789"
    digits = "0123456789"
    return "".join(
        (
            rng.choice("123456789"),
            rng.choice(_MBI_LETTERS),
            rng.choice(alnum),
            rng.choice(digits),
            rng.choice(_MBI_LETTERS),
            rng.choice(alnum),
            rng.choice(digits),
            rng.choice(_MBI_LETTERS),
            rng.choice(_MBI_LETTERS),
            rng.choice(digits),
            rng.choice(digits),
        )
    )


def _member_id(rng: random.Random, indicator: str, payer_code: str) -> str:
    if indicator == ClaimFilingIndicator.MEDICARE_B:
        return _mbi(rng)
    if indicator == ClaimFilingIndicator.MEDICAID:
        return f"{rng.randint(100_000_000, 999_999_999)}"
    if indicator == ClaimFilingIndicator.TRICARE:
        return f"{rng.randint(1_000_000_000, 9_999_999_999)}"
    prefix = "".join(ch for ch in payer_code if ch.isalpha())[:3] or "MBR"
    if indicator == ClaimFilingIndicator.BCBS:
        return f"{rng.choice(('XOD', 'XOF', 'XOJ', 'ZGD'))}{rng.randint(100_000_000, 999_999_999)}"
    return f"{prefix[0]}{rng.randint(10_000_000, 99_999_999)}{rng.choice('0123456789ABCDEFGH')}"


_GOVERNMENT = {
    ClaimFilingIndicator.MEDICARE_A,
    ClaimFilingIndicator.MEDICARE_B,
    ClaimFilingIndicator.MEDICAID,
    ClaimFilingIndicator.TRICARE,
}


@dataclass
class _PayerPools:
    medicare: list = field(default_factory=list)
    medicaid: list = field(default_factory=list)
    tricare: list = field(default_factory=list)
    private: list = field(default_factory=list)
    everyone: list = field(default_factory=list)

    @classmethod
    def of(cls, payers: Sequence[Payer]) -> _PayerPools:
        pools = cls(everyone=list(payers))
        for payer in payers:
            indicator = payer.claim_filing_indicator
            if indicator in (ClaimFilingIndicator.MEDICARE_A, ClaimFilingIndicator.MEDICARE_B):
                pools.medicare.append(payer)
            elif indicator == ClaimFilingIndicator.MEDICAID:
                pools.medicaid.append(payer)
            elif indicator == ClaimFilingIndicator.TRICARE:
                pools.tricare.append(payer)
            else:
                pools.private.append(payer)
        return pools

    def pick(self, rng: random.Random, age: int, secondary: bool = False) -> Payer:
        roll = rng.random()
        if secondary:
            choices = self.private or self.medicaid or self.everyone
        elif age >= 65 and self.medicare and roll < 0.85:
            choices = self.medicare
        elif self.medicaid and roll < (0.40 if age < 19 else 0.15):
            choices = self.medicaid
        elif self.tricare and roll < 0.18:
            choices = self.tricare
        else:
            choices = self.private or self.everyone
        return rng.choice(choices)


# ---------------------------------------------------------------------------
# The generator


@dataclass
class _Household:
    last_name: str
    address1: str
    address2: str
    city: str
    state: str
    zip_code: str
    home_phone: str
    head_name: str
    head_dob: date
    head_phone: str
    members: int = 1


class _Generator:
    """Builds one patient (plus coverage and consents) at a time from one seeded stream."""

    def __init__(self, *, practice, rng, providers, locations, payers, with_coverage):
        self.practice = practice
        self.rng = rng
        self.locations = list(locations)
        self.pools = _PayerPools.of(payers) if with_coverage and payers else None
        self.home_state = self.locations[0].state if self.locations else "IL"
        self.household: _Household | None = None
        self.twin_of: dict | None = None
        kids = [p for p in providers if p.taxonomy_code == "208000000X"]
        primary = [p for p in providers if p.taxonomy_code in ("207Q00000X", "207R00000X")]
        self.pcps_adult = primary or list(providers)
        self.pcps_child = kids or primary or list(providers)
        self.keys_cache: dict[tuple[str, str], dict] = {}

    # -- pieces -------------------------------------------------------------

    def keys(self, first: str, last: str) -> dict:
        pair = (first, last)
        keys = self.keys_cache.get(pair)
        if keys is None:
            if len(self.keys_cache) > 100_000:
                self.keys_cache.clear()
            keys = asdict(search_keys(first_name=first, last_name=last))
            self.keys_cache[pair] = keys
        return keys

    def _address(self) -> dict:
        rng = self.rng
        state = self.home_state if rng.random() < 0.9 else rng.choice(_OTHER_STATES)
        cities = _CITIES.get(state)
        if cities:
            city, zip3 = rng.choice(cities)
        else:
            city, zip3 = rng.choice(_GENERIC_CITIES), None
        number = rng.randint(1, 9999) if rng.random() < 0.8 else rng.randint(10000, 29999)
        address2 = ""
        roll = rng.random()
        if roll < 0.12:
            address2 = f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}"
        elif roll < 0.15:
            address2 = f"Unit {rng.randint(100, 999)}"
        return {
            "address1": f"{number} {rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}",
            "address2": address2,
            "city": city,
            "state": state,
            "zip_code": _zip(rng, state, zip3),
        }

    def _dob(self) -> date:
        return _DOB_FIRST + timedelta(days=self.rng.randrange(_DOB_DAYS))

    # -- one patient ----------------------------------------------------------

    def patient_fields(self) -> dict:
        """The fields of the next patient: a new person, a household member or a near twin."""
        if self.twin_of is not None:
            fields, self.twin_of = self._near_twin(self.twin_of), None
            return fields
        rng = self.rng
        sex = "F" if rng.random() < 0.51 else ("M" if rng.random() < 0.99 else "U")
        dob = self._dob()
        household = self.household
        joins = household is not None and household.members < 6 and rng.random() < 0.3
        if joins:
            household.members += 1
            last = household.last_name
            address = {
                "address1": household.address1,
                "address2": household.address2,
                "city": household.city,
                "state": household.state,
                "zip_code": household.zip_code,
            }
            home_phone = household.home_phone
        else:
            last = _surname(rng)
            address = self._address()
            home_phone = _phone(rng, address["state"]) if rng.random() < 0.45 else ""
        first = _first_name(rng, sex)
        age = _age_on(dob, REFERENCE_DATE)
        mobile = _phone(rng, address["state"]) if (age >= 13 and rng.random() < 0.88) else ""
        if not mobile and not home_phone:
            home_phone = _phone(rng, address["state"])
        fields = self._person(first, last, sex, dob, age, address, mobile, home_phone)
        if joins and age < 18 and _age_on(household.head_dob, REFERENCE_DATE) >= 21:
            fields.update(
                guarantor_relationship=GuarantorRelationship.PARENT,
                guarantor_name=household.head_name,
                guarantor_dob=household.head_dob,
                guarantor_phone=household.head_phone,
                guarantor_address=_one_line(address),
            )
        if not joins:
            self.household = _Household(
                last_name=last,
                home_phone=home_phone,
                head_name=f"{first} {last}",
                head_dob=dob,
                head_phone=mobile or home_phone,
                **address,
            )
        if rng.random() < 0.006:
            self.twin_of = fields
        return fields

    def _person(self, first, last, sex, dob, age, address, mobile, home_phone) -> dict:
        rng = self.rng
        roll = rng.random()
        middle = ""
        if roll < 0.35:
            middle = rng.choice(_MIDDLE_INITIALS)
        elif roll < 0.6:
            middle = _first_name(rng, sex)
        suffix = ""
        if sex == "M" and rng.random() < 0.02:
            suffix = rng.choice(("Jr", "Jr", "Sr", "II", "III"))
        preferred = ""
        if rng.random() < 0.1:
            nicks = nicknames_of(first)
            if nicks:
                preferred = rng.choice(nicks)
        previous_last = ""
        if sex == "F" and age >= 25 and rng.random() < 0.08:
            previous_last = _surname(rng)
        language = _weighted(rng, _LANGUAGES)
        needs_interpreter = language == "sgn" or (language != "en" and rng.random() < 0.45)
        identity_roll = rng.random()
        if identity_roll < 0.80:
            gender = {"F": GenderIdentity.FEMALE, "M": GenderIdentity.MALE}.get(
                sex, GenderIdentity.UNKNOWN
            )
        elif identity_roll < 0.81:
            gender = GenderIdentity.NON_BINARY
        elif identity_roll < 0.813:
            gender = GenderIdentity.OTHER
        elif identity_roll < 0.85:
            gender = GenderIdentity.DECLINED
        else:
            gender = GenderIdentity.UNKNOWN
        pronouns = (
            {
                GenderIdentity.FEMALE: "she/her",
                GenderIdentity.MALE: "he/him",
                GenderIdentity.NON_BINARY: "they/them",
            }.get(gender, "")
            if rng.random() < 0.3 or gender == GenderIdentity.NON_BINARY
            else ""
        )
        email = ""
        if age >= 16 and rng.random() < 0.6:
            local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
            email = f"{local}{rng.randint(1, 999)}@{rng.choice(_EMAIL_DOMAINS)}"
        work = _phone(rng, address["state"]) if 22 <= age < 67 and rng.random() < 0.1 else ""
        contact = (
            ContactMethod.SMS
            if mobile and rng.random() < 0.4
            else (ContactMethod.EMAIL if email and rng.random() < 0.3 else ContactMethod.PHONE)
        )
        emergency = {}
        if rng.random() < 0.8:
            same_family = rng.random() < 0.7
            emergency = {
                "emergency_contact_name": f"{_first_name(rng, rng.choice('FM'))} "
                f"{last if same_family else _surname(rng)}",
                "emergency_contact_relationship": rng.choice(_RELATIONS),
                "emergency_contact_phone": _phone(rng, address["state"]),
            }
        guarantor = {}
        if age < 18:
            parent_dob = dob - timedelta(days=rng.randint(20 * 365, 42 * 365))
            guarantor = {
                "guarantor_relationship": GuarantorRelationship.PARENT,
                "guarantor_name": f"{_first_name(rng, rng.choice('FM'))} {last}",
                "guarantor_dob": parent_dob,
                "guarantor_phone": mobile or home_phone,
                "guarantor_address": _one_line(address),
            }
        elif rng.random() < 0.03:
            guarantor = {
                "guarantor_relationship": GuarantorRelationship.SPOUSE,
                "guarantor_name": f"{_first_name(rng, 'M' if sex == 'F' else 'F')} {last}",
                "guarantor_dob": dob + timedelta(days=rng.randint(-3000, 3000)),
                "guarantor_phone": home_phone or mobile,
            }
        status = PatientStatus.ACTIVE
        roll = rng.random()
        if roll < 0.01 * (1 + (age >= 80) * 5):
            status = PatientStatus.DECEASED if age >= 60 else PatientStatus.INACTIVE
        elif roll < 0.03:
            status = PatientStatus.INACTIVE
        pcps = self.pcps_child if age < 18 else self.pcps_adult
        return {
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "suffix": suffix,
            "preferred_name": preferred,
            "previous_last_name": previous_last,
            "dob": dob,
            "sex_at_birth": sex,
            "gender_identity": gender,
            "pronouns": pronouns,
            "mobile_phone": mobile,
            "home_phone": home_phone,
            "work_phone": work,
            "email": email,
            "preferred_language": language,
            "needs_interpreter": needs_interpreter,
            "preferred_contact_method": contact,
            "status": status,
            "primary_care_provider_id": (
                rng.choice(pcps).pk if pcps and rng.random() < 0.9 else None
            ),
            "home_location_id": (
                self.locations[0].pk
                if len(self.locations) == 1 or rng.random() < 0.65
                else rng.choice(self.locations).pk
            )
            if self.locations
            else None,
            **address,
            **emergency,
            **guarantor,
        }

    def _near_twin(self, original: dict) -> dict:
        """Someone registered twice: same birthday, the name typed a little differently."""
        rng = self.rng
        twin = dict(original)
        roll = rng.random()
        nicks = nicknames_of(original["first_name"])
        if roll < 0.5:
            twin["last_name"] = misspell(rng, original["last_name"])
        elif roll < 0.75 and nicks:
            twin["first_name"] = rng.choice(nicks)
        else:
            twin["first_name"] = misspell(rng, original["first_name"])
        if rng.random() < 0.5:
            twin["mobile_phone"] = ""
        twin["middle_name"] = ""
        twin["email"] = ""
        return twin

    def coverages(self, patient: dict) -> list[dict]:
        if self.pools is None or self.rng.random() >= 0.85:
            return []
        rng = self.rng
        age = _age_on(patient["dob"], REFERENCE_DATE)
        primary_payer = self.pools.pick(rng, age)
        found = [self._coverage(patient, primary_payer, 1, age)]
        if rng.random() < 0.15 / 0.85:
            second = self.pools.pick(rng, age, secondary=True)
            if second.pk != primary_payer.pk:
                found.append(self._coverage(patient, second, 2, age))
        return found

    def _coverage(self, patient: dict, payer: Payer, order: int, age: int) -> dict:
        rng = self.rng
        dob = patient["dob"]
        indicator = payer.claim_filing_indicator
        government = indicator in _GOVERNMENT
        earliest = max(dob, date(2012, 1, 1))
        if indicator in (ClaimFilingIndicator.MEDICARE_A, ClaimFilingIndicator.MEDICARE_B):
            try:
                earliest = max(earliest, dob.replace(year=dob.year + 65))
            except ValueError:  # 29 February
                earliest = max(earliest, date(dob.year + 65, 3, 1))
        last_day = REFERENCE_DATE - timedelta(days=1)
        start = _random_day(rng, min(earliest, last_day), last_day)
        coverage = {
            "public_id": _uuid(rng),
            "payer_id": payer.pk,
            "plan_name": _plan_name(rng, payer),
            "member_id": _member_id(rng, indicator, payer.payer_id),
            "group_number": ""
            if government
            else f"{rng.choice(('', 'G', 'GRP'))}{rng.randint(10000, 9999999)}",
            "order": order,
            "relationship": SubscriberRelationship.SELF,
            "effective_start": max(start.replace(day=1), dob),
            "copay": None if government else Decimal(rng.choice((10, 20, 25, 30, 35, 40, 50))),
        }
        coverage["member_id_index"] = member_id_index(coverage["member_id"])
        if not government and (age < 26 and rng.random() < 0.8 or rng.random() < 0.12):
            child = age < 26
            sub_sex = rng.choice("FM")
            coverage.update(
                relationship=SubscriberRelationship.CHILD
                if child
                else SubscriberRelationship.SPOUSE,
                subscriber_first_name=_first_name(rng, sub_sex),
                subscriber_last_name=patient["last_name"],
                subscriber_dob=(
                    dob - timedelta(days=rng.randint(20 * 365, 40 * 365))
                    if child
                    else dob + timedelta(days=rng.randint(-2500, 2500))
                ),
                subscriber_sex=sub_sex,
            )
        return coverage

    def consents(self, patient: dict) -> list[dict]:
        rng = self.rng
        dob = patient["dob"]
        signed = _random_day(rng, max(dob, date(2015, 1, 1)), REFERENCE_DATE - timedelta(days=1))
        # Blank when the patient signed; a child's parent signs for the child.
        signed_by = patient.get("guarantor_name", "") if _age_on(dob, signed) < 18 else ""
        found = []
        if rng.random() < 0.95:
            found.append(
                {
                    "public_id": _uuid(rng),
                    "kind": ConsentKind.PRIVACY_NOTICE,
                    "signed_on": signed,
                    "signed_by": signed_by,
                }
            )
        if rng.random() < 0.5:
            found.append(
                {
                    "public_id": _uuid(rng),
                    "kind": ConsentKind.FINANCIAL_POLICY,
                    "signed_on": signed,
                    "signed_by": signed_by,
                }
            )
        # Texts and e-mail: drawn from a stream of their own, so adding them left every
        # other generated value (and the benchmarks' data) as it was.
        contact = random.Random(  # noqa: S311 - test data, not secrets
            f"{patient['first_name']}|{patient['last_name']}|{dob}|contact"
        )
        for kind, address in ((ConsentKind.SMS, "mobile_phone"), (ConsentKind.EMAIL, "email")):
            wanted = patient.get("preferred_contact_method") == kind or contact.random() < 0.4
            if patient.get(address) and wanted:
                found.append(
                    {"public_id": _uuid(contact), "kind": kind, "signed_on": signed,
                     "signed_by": signed_by}
                )  # fmt: skip
        return found


def _plan_name(rng: random.Random, payer: Payer) -> str:
    indicator = payer.claim_filing_indicator
    if indicator == ClaimFilingIndicator.MEDICARE_B:
        return "Original Medicare Part B"
    if indicator == ClaimFilingIndicator.MEDICAID:
        return rng.choice(("Medicaid", "All Kids", "HealthChoice Illinois"))
    if indicator == ClaimFilingIndicator.TRICARE:
        return rng.choice(("TRICARE Prime", "TRICARE Select"))
    if indicator == ClaimFilingIndicator.HMO:
        return rng.choice(("Gold Plus HMO", "Medicare Advantage HMO"))
    return rng.choice(("PPO", "PPO", "HMO", "EPO", "POS", "HDHP with HSA"))


class _Table:
    """Rows of one model as tuples in column order, written with executemany or COPY.

    `bulk_create` spends about half a millisecond per patient in Django's
    insert compiler (a million patients took a quarter of an hour); building
    the rows here and handing them to the driver keeps a million under a few
    minutes. Values go through each field's `get_db_prep_save` where the type
    needs it (UUID, dates, decimals), so they are stored exactly as the ORM
    would store them.
    """

    def __init__(self, model, *, now):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.table = model._meta.db_table
        self.names = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = {}
        self.converters = []
        for f in fields:
            convert = _converter(f)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = f.get_db_prep_save(now, connection)
            elif not f.has_default() or not callable(f.default):
                self.defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
            self.converters.append(convert)

    def row(self, values: dict) -> tuple:
        defaults = self.defaults
        out = []
        for name, convert in zip(self.names, self.converters, strict=True):
            if name in values:
                value = values[name]
                out.append(convert(value) if convert is not None and value is not None else value)
            else:
                out.append(defaults[name])
        return tuple(out)

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})",  # noqa: S608
                    rows,
                )


def _converter(field):
    """How a Python value of `field` becomes a database value; None when the driver does it."""
    if isinstance(field, SealedCharField):
        return partial(field.get_db_prep_save, connection=connection)  # sealed (AC-08)
    if connection.vendor == "postgresql":
        if isinstance(field, models.DateTimeField):
            return partial(field.get_db_prep_save, connection=connection)
        return None  # psycopg adapts str, int, bool, date, UUID and Decimal itself
    # SQLite: what the ORM stores (checked against get_db_prep_save in the tests).
    if isinstance(field, models.UUIDField):
        return _uuid_hex
    if isinstance(field, models.DateTimeField):
        return partial(field.get_db_prep_save, connection=connection)
    if isinstance(field, models.DateField):
        return date.isoformat
    return None  # str, int, bool; Decimal has Django's sqlite3 adapter


def _uuid_hex(value: uuid.UUID) -> str:
    return value.hex


def _reserve_mrns(practice: Practice, count: int) -> int:
    """Take `count` MRN numbers from the practice's counter at once; returns the first."""
    with transaction.atomic():
        counter, _ = MrnCounter.objects.select_for_update().get_or_create(practice=practice)
        first = counter.next_number
        MrnCounter.objects.filter(pk=counter.pk).update(next_number=F("next_number") + count)
    return first


def generate_patients(
    *,
    practice: Practice,
    count: int,
    seed: int,
    batch_size: int = 5000,
    with_coverage: bool = True,
    providers: Sequence[Provider] = (),
    locations: Sequence[Location] = (),
    payers: Sequence[Payer] = (),
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Bulk-create `count` synthetic patients (with coverage and consents); returns the count.

    The same seed and count give the same people (MRNs follow the practice's
    counter, so a second call adds new patients after the first). Each batch
    is one transaction; the whole run is one audit event, not one per row.
    """
    if count <= 0:
        return 0
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    generator = _Generator(
        practice=practice,
        rng=rng,
        providers=providers,
        locations=locations,
        payers=payers,
        with_coverage=with_coverage,
    )
    now = timezone.now()
    patient_table = _Table(Patient, now=now)
    coverage_table = _Table(Coverage, now=now)
    consent_table = _Table(Consent, now=now)
    next_number = _reserve_mrns(practice, count)
    created = 0
    with bigger_sqlite_cache():
        while created < count:
            size = min(batch_size, count - created)
            patients, coverages, consents = [], [], []
            first_mrn = mrn_from_number(next_number)
            for _ in range(size):
                fields = generator.patient_fields()
                fields.update(generator.keys(fields["first_name"], fields["last_name"]))
                mrn = mrn_from_number(next_number)
                next_number += 1
                fields.update(public_id=_uuid(rng), practice_id=practice.pk, mrn=mrn)
                patients.append(patient_table.row(fields))
                coverages.extend((mrn, c) for c in generator.coverages(fields))
                consents.extend((mrn, c) for c in generator.consents(fields))
            with transaction.atomic():
                patient_table.insert(patients)
                ids = dict(
                    Patient.objects.filter(
                        practice=practice, mrn__gte=first_mrn, mrn__lte=mrn
                    ).values_list("mrn", "id")
                )
                coverage_table.insert(
                    [coverage_table.row(c | {"patient_id": ids[m]}) for m, c in coverages]
                )
                consent_table.insert(
                    [consent_table.row(c | {"patient_id": ids[m]}) for m, c in consents]
                )
            created += size
            if progress is not None:
                progress(created, count)
    audit_record(
        action=AuditAction.CREATE,
        object_type="patients.patient",
        category="demographics",
        detail=f"generated {count} synthetic patients seed {seed}",
    )
    return created


# ---------------------------------------------------------------------------
# The demo practice

_DEMO_LOCATIONS = (
    {
        "name": "Riverside Main",
        "address1": "1200 S Sixth St",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62703-4100",
        "phone": "+12175550142",
    },
    {
        "name": "Lakeside Clinic",
        "address1": "215 E Walnut St",
        "address2": "Suite 100",
        "city": "Chatham",
        "state": "IL",
        "zip_code": "62629-1518",
        "phone": "+12175550187",
    },
)
_DEMO_PROVIDERS = (
    # first, last, credentials, specialty, NUCC taxonomy, NPI stem
    ("Elena", "Morales", "MD", "Family medicine", "207Q00000X", "174392015"),
    ("Samuel", "Okafor", "DO", "Internal medicine", "207R00000X", "158220437"),
    ("Grace", "Lindqvist", "MD", "Pediatrics", "208000000X", "136618290"),
    ("David", "Chen", "MD", "Cardiology", "207RC0000X", "192047731"),
    ("Hannah", "Brooks", "DO", "Dermatology", "207N00000X", "120583346"),
)
# Fictional payer ids (real clearinghouse ids differ); the filing indicators are real codes.
_DEMO_PAYERS = (
    (
        "Medicare Part B (Illinois)",
        "MCRIL1",
        "MB",
        "P.O. Box 6475",
        "Indianapolis",
        "IN",
        "46206",
        MBI_PATTERN,
    ),
    (
        "Illinois Medicaid (HFS)",
        "ILMCD1",
        "MC",
        "201 S Grand Ave E",
        "Springfield",
        "IL",
        "62763",
        r"^\d{9}$",
    ),
    (
        "Blue Cross and Blue Shield of Illinois",
        "BCBSIL",
        "BL",
        "300 E Randolph St",
        "Chicago",
        "IL",
        "60601",
        "",
    ),
    ("Aetna", "AETNA1", "CI", "P.O. Box 981106", "El Paso", "TX", "79998", ""),
    ("UnitedHealthcare", "UHC001", "CI", "P.O. Box 740800", "Atlanta", "GA", "30374", ""),
    ("Cigna", "CIGNA1", "CI", "P.O. Box 188061", "Chattanooga", "TN", "37422", ""),
    ("Humana Gold Plus HMO", "HUMANA", "HM", "P.O. Box 14601", "Lexington", "KY", "40512", ""),
    ("TRICARE East", "TRIEST", "CH", "P.O. Box 7981", "Madison", "WI", "53707", ""),
)
_DEMO_STAFF = (
    # username, role, first, last
    ("frontdesk", Role.FRONT_DESK, "Tina", "Alvarez"),
    ("ma", Role.MEDICAL_ASSISTANT, "Marcus", "Bell"),
    ("coder", Role.CODER, "Priya", "Desai"),
    ("biller", Role.BILLER, "Kevin", "O'Neill"),
    ("records", Role.RECORDS, "Rosa", "Nguyen"),
    ("clinician", Role.CLINICIAN, "Elena", "Morales"),
    ("manager", Role.OFFICE_MANAGER, "Linda", "Foster"),
    ("privacy", Role.PRIVACY_OFFICER, "Omar", "Haddad"),
    ("admin", Role.ADMINISTRATOR, "Sam", "Whitfield"),
)


def _saved(instance):
    instance.full_clean()
    instance.save()
    return instance


def demo_summary(practice: Practice, *, created: bool) -> dict:
    from medoffice.core.models import StaffProfile

    profiles = StaffProfile.objects.filter(practice=practice).select_related("user")
    return {
        "practice": practice,
        "created": created,
        "logins": [(p.user.get_username(), p.role) for p in profiles.order_by("user__id")],
        "counts": {
            "locations": practice.locations.count(),
            "providers": practice.providers.count(),
            "payers": Payer.objects.count(),
            "staff": profiles.count(),
            "patients": Patient.objects.filter(practice=practice).count(),
            "coverages": Coverage.objects.filter(patient__practice=practice).count(),
            "consents": Consent.objects.filter(patient__practice=practice).count(),
        },
    }


@transaction.atomic
def load_demo(*, seed: int = DEMO_SEED, patients: int = 2000) -> dict:
    """Create the demo practice once; later calls return its summary and change nothing.

    Demo only: all demo logins share DEMO_PASSWORD.
    """
    from medoffice.core.services import staff_user_create

    existing = Practice.objects.filter(name=DEMO_PRACTICE_NAME).order_by("id").first()
    if existing is not None:
        return demo_summary(existing, created=False)
    practice = _saved(
        Practice(name=DEMO_PRACTICE_NAME, group_npi=npi_from_stem("128839402"), tax_id="37-4418290")
    )
    locations = [
        _saved(Location(practice=practice, time_zone="America/Chicago", **fields))
        for fields in _DEMO_LOCATIONS
    ]
    providers = []
    for first, last, credentials, specialty, taxonomy, stem in _DEMO_PROVIDERS:
        provider = _saved(
            Provider(
                practice=practice,
                first_name=first,
                last_name=last,
                credentials=credentials,
                specialty=specialty,
                taxonomy_code=taxonomy,
                npi=npi_from_stem(stem),
            )
        )
        provider.locations.set(locations if taxonomy[:4] in ("207Q", "207R") else locations[:1])
        providers.append(provider)
    payers = []
    for name, payer_id, indicator, address1, city, state, zip_code, pattern in _DEMO_PAYERS:
        payer = Payer.objects.filter(payer_id=payer_id).first() or _saved(
            Payer(
                name=name,
                payer_id=payer_id,
                claim_filing_indicator=indicator,
                address1=address1,
                city=city,
                state=state,
                zip_code=zip_code,
                member_id_pattern=pattern,
            )
        )
        payers.append(payer)
    for username, role, first, last in _DEMO_STAFF:
        user = staff_user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            practice=practice,
            first_name=first,
            last_name=last,
            email=f"{username}@riverside.example.org",
            locations=locations[:1] if role == Role.FRONT_DESK else locations,
        )
        if role == Role.CLINICIAN:
            providers[0].user = user
            providers[0].save(update_fields=["user"])
    generate_patients(
        practice=practice,
        count=patients,
        seed=seed,
        providers=providers,
        locations=locations,
        payers=payers,
    )
    return demo_summary(practice, created=True)
