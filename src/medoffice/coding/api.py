"""REST API for code search and suggestions (not PHI: no patient is named or touched).

Search is a GET (codes and words, nothing about a patient); suggestions take free
text from a note, which may say more than it should, so they come by POST and the
text is neither stored nor logged.
"""

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.coding.models import CodeSystem
from medoffice.coding.search import code_search
from medoffice.coding.suggest import code_suggest
from medoffice.core.access import office_zone_name
from medoffice.core.clock import today_at
from medoffice.core.policy import HasRequiredPermission

MAX_QUERY = 200
MAX_TEXT = 5000


class HitSerializer(serializers.Serializer):
    code = serializers.CharField(source="entry.display", help_text="As read: E11.9")
    code_bare = serializers.CharField(source="entry.code", help_text="As on a claim: E119")
    description = serializers.CharField(source="entry.description")
    billable = serializers.BooleanField(source="entry.billable")
    exact = serializers.BooleanField(help_text="Every word found in the title")
    favorite = serializers.BooleanField()
    usage = serializers.IntegerField(help_text="Times this practice has billed it")


class SuggestionSerializer(serializers.Serializer):
    code = serializers.CharField(source="display")
    code_bare = serializers.CharField(source="code")
    description = serializers.CharField()
    score = serializers.FloatField()
    matched = serializers.ListField(child=serializers.CharField())


def _limit(value, *, default: int, most: int) -> int:
    if value in (None, ""):
        return default
    if isinstance(value, bool) or not str(value).isdigit() or not 1 <= int(value) <= most:
        raise ValidationError({"limit": [f"Give a whole number from 1 to {most}."]})
    return int(value)


def _date(value, user) -> date:
    """The date of service asked for, else today at the user's office (a token call has
    no session, so the office clock is not active for it)."""
    if value in (None, ""):
        return today_at(ZoneInfo(office_zone_name(user) or settings.TIME_ZONE))
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({"on": ["Give the date of service as YYYY-MM-DD."]}) from None


def _practice_id(user) -> int:
    return user.staff.practice_id


class CodeSearch(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "coding.view_icd10code"}

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Code prefix or words: 'E11', 'heart attack'"),
            OpenApiParameter("limit", int, description="1 to 100 (default 20)"),
            OpenApiParameter("on", str, description="Date of service YYYY-MM-DD (default today)"),
            OpenApiParameter("system", str, enum=CodeSystem.values, description="icd10cm"),
        ],
        responses=inline_serializer(
            "CodeSearchResponse",
            {
                "release": serializers.CharField(allow_null=True),
                "detail": serializers.CharField(),
                "results": HitSerializer(many=True),
            },
        ),
        summary="Search codes: prefixes, words in any order, synonyms, typos",
    )
    def get(self, request):
        query = request.query_params.get("q", "")
        if not query.strip() or len(query) > MAX_QUERY:
            raise ValidationError({"q": [f"Give a search text of 1 to {MAX_QUERY} characters."]})
        system = request.query_params.get("system") or CodeSystem.ICD10CM
        if system not in CodeSystem.values:
            raise ValidationError({"system": [f"One of {', '.join(CodeSystem.values)}."]})
        outcome = code_search(
            practice_id=_practice_id(request.user),
            query=query,
            limit=_limit(request.query_params.get("limit"), default=20, most=100),
            on=_date(request.query_params.get("on"), request.user),
            provider=getattr(request.user, "provider", None),
            system=system,
        )
        return Response(
            {
                "release": str(outcome.release) if outcome.release else None,
                "detail": outcome.detail,
                "results": HitSerializer(outcome.hits, many=True).data,
            }
        )


class CodeSuggest(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "coding.view_icd10code"}

    @extend_schema(
        request=inline_serializer(
            "CodeSuggestRequest",
            {
                "text": serializers.CharField(max_length=MAX_TEXT),
                "limit": serializers.IntegerField(required=False, min_value=1, max_value=50),
                "on": serializers.DateField(required=False),
            },
        ),
        responses=inline_serializer(
            "CodeSuggestResponse",
            {
                "release": serializers.CharField(allow_null=True),
                "detail": serializers.CharField(),
                "candidates": SuggestionSerializer(many=True),
            },
        ),
        summary="ICD-10-CM candidates for free text, with the words that matched",
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else None
        if data is None:
            raise ValidationError({"text": ["Send a JSON object with the text."]})
        text = data.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise ValidationError({"text": [f"Give a text of 1 to {MAX_TEXT} characters."]})
        outcome = code_suggest(
            practice_id=_practice_id(request.user),
            text=text,
            limit=_limit(data.get("limit"), default=10, most=50),
            on=_date(data.get("on"), request.user),
        )
        return Response(
            {
                "release": str(outcome.release) if outcome.release else None,
                "detail": outcome.detail,
                "candidates": SuggestionSerializer(outcome.hits, many=True).data,
            }
        )
