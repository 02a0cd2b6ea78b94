"""Bundle page links that carry no search terms (DP-02: no PHI in URLs).

A search's parameters (family=, birthdate=, identifier=, phone=, `_sort`, `_include` ...)
are kept server-side in a `FhirSearch` row keyed by a random token, bound to the user,
the SMART client and the practice, sealed at rest and good for PAGE_LIFETIME. Every link
of the Bundle (self, first, previous, next) is `[base]/<Type>?_page=<token>&_count=N&_offset=M`;
a request with `_page` searches again with the kept parameters. An expired token is 410,
an unknown one or another caller's is 400: both as OperationOutcome.

A token is minted only for a Bundle that links to another page (next or previous): most
searches fit on one page, and a row written (and sealed) for each of them would be a write
per read. A one-page Bundle's self and first links carry only `_count` and `_offset`. Expired
rows are deleted once a day by the worker (`clear_expired`, worklist.tasks.DAILY_JOBS),
not by the searches.

Only this layer knows about tokens: the views hand it the parameters as understood and
get the parameters back, so the search itself (search.py, the types' filters) is unchanged.
"""

import json
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone

from medoffice.core.sealing import seal, unseal
from medoffice.interop.fhir.errors import FhirError

PAGE_PARAM = "_page"
PAGE_LIFETIME = timedelta(hours=1)
# What a page link may say besides the token: where the page starts and how long it is.
POSITION_PARAMS = frozenset({"_count", "_offset"})
_SEAL_LABEL = "interop.fhirsearch.params"


def resume(principal, resource_type: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The search's parameters: `pairs` themselves, or for a page link (`_page`) the kept
    parameters of that search with the link's `_count` and `_offset`."""
    tokens = [value for name, value in pairs if name == PAGE_PARAM]
    if not tokens:
        return pairs
    others = sorted({name for name, _ in pairs if name not in POSITION_PARAMS | {PAGE_PARAM}})
    if len(tokens) > 1 or others:
        raise FhirError(
            400, "invalid", "A page link (_page) takes only _count and _offset besides it.",
            (PAGE_PARAM,),
        )  # fmt: skip
    from medoffice.interop.models import FhirSearch

    row = FhirSearch.objects.filter(token=tokens[0]).first()
    mine = row is not None and (
        row.user_id == principal.user.pk
        and row.client_id == (principal.client_id or "")
        and row.practice_id == principal.user.staff.practice_id
        and row.resource_type == resource_type
    )
    if not mine:
        raise FhirError(400, "invalid", "Unknown page link: search again.", (PAGE_PARAM,))
    if row.expires_at <= timezone.now():
        raise FhirError(410, "expired", "This page link has expired: search again.", (PAGE_PARAM,))
    kept = [tuple(pair) for pair in json.loads(unseal(row.params, label=_SEAL_LABEL))]
    position = [(name, value) for name, value in pairs if name in POSITION_PARAMS]
    return [*kept, *position, (PAGE_PARAM, row.token)]


def _keep(principal, resource_type: str, params: list[tuple[str, str]]) -> str:
    """A new token for these parameters."""
    from medoffice.interop.models import FhirSearch

    now = timezone.now()
    row = FhirSearch.objects.create(
        token=secrets.token_urlsafe(32),
        practice_id=principal.user.staff.practice_id,
        user=principal.user,
        client_id=principal.client_id or "",
        resource_type=resource_type,
        params=seal(json.dumps(params), label=_SEAL_LABEL),
        created_at=now,
        expires_at=now + PAGE_LIFETIME,
    )
    return row.token


def page_links(
    base: str, principal, resource_type: str, pairs, query, has_next: bool
) -> list[dict]:
    """self, first, previous and next links of a search Bundle, by token.

    `pairs` are the parameters the search ran with (a resumed page's include its `_page`);
    the order ends on the primary key, so pages never overlap."""
    ignored = set(query.ignored)
    token = next((value for name, value in pairs if name == PAGE_PARAM), "")
    kept = [
        (k, v)
        for k, v in pairs
        if k not in POSITION_PARAMS | {PAGE_PARAM}
        and k not in ignored
        and f"{k}={v}" not in ignored
    ]
    has_previous = query.offset > 0
    has_next = bool(has_next and query.count)
    if kept and not token and (has_previous or has_next):
        token = _keep(principal, resource_type, kept)

    def url(offset: int) -> str:
        params = [(PAGE_PARAM, token)] if token else []
        params += [("_count", str(query.count)), ("_offset", str(offset))]
        return f"{base}/{resource_type}?{urlencode(params)}"

    links = [{"relation": "self", "url": url(query.offset)}]
    links.append({"relation": "first", "url": url(0)})
    if has_previous:
        links.append({"relation": "previous", "url": url(max(0, query.offset - query.count))})
    if has_next:
        links.append({"relation": "next", "url": url(query.offset + query.count)})
    return links


def clear_expired() -> int:
    """Delete the kept searches whose links have expired; how many rows went."""
    from medoffice.interop.models import FhirSearch

    deleted, _ = FhirSearch.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
