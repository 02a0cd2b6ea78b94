"""Whatever text a record holds, and whatever separators an envelope uses, the file reads back."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from medoffice.formats.x12 import Separators, read_transactions
from medoffice.formats.x12.claim_837p import parse_837p, render_837p

from .claims import BASE, ENVELOPE, RECEIVER, SUBMITTER

PUNCTUATION = "*:^~|>!\n\r'+<#"
text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from(PUNCTUATION),
    min_size=1,
    max_size=30,
).filter(lambda v: v.strip())


@st.composite
def separators(draw):
    chars = draw(
        st.lists(st.sampled_from("*:^~|>!+<#\x1c\x1d\x1f"), min_size=4, max_size=4, unique=True)
    )
    return Separators(*chars)


@settings(max_examples=60, deadline=None)
@given(last=text, street=text, member=text, seps=separators())
def test_any_values_with_any_separators_read_back(last, street, member, seps):
    subscriber = replace(
        BASE.subscriber,
        last_name=last,
        member_id=member,
        address=replace(BASE.subscriber.address, line1=street),
    )
    claim = replace(BASE, subscriber=subscriber)
    envelope = replace(ENVELOPE, separators=seps)
    data = render_837p(
        [claim], submitter=SUBMITTER, receiver=RECEIVER, envelope=envelope, reference="P"
    )
    (transaction,) = read_transactions(data)
    back = parse_837p(transaction).claims[0].subscriber
    forbidden = set(seps.element + seps.component + seps.repetition + seps.segment + "\r\n")

    def cleaned(value: str) -> str:
        if forbidden.isdisjoint(value):
            return value
        return "".join(" " if c in forbidden else c for c in value).strip()

    assert back.last_name == cleaned(last)
    assert back.member_id == cleaned(member)
    assert back.address.line1 == cleaned(street)
