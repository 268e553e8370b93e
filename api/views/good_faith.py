"""The Good Faith programme over the API: the caller's standing, overall and per infringement type.

The same reads as the holder's page (``good_faith.views.subjects``): the track
record over the window, each scope's membership, and the distance to the bar
(``good_faith.membership.membership_eligibility``'s shortfalls, with the
numbers). Whose standing: a brand's own; an agent firm's, the brands it holds
a valid letter for (their membership decides whether its filings for them take
the fast track); a partner's, its own record and vetting privilege. A merchant
has none.
"""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import PREFIXES, PublicIdField
from good_faith.models import ManualOverride, MembershipStatus
from good_faith.views.holder import bar_settings
from good_faith.views.subjects import subjects_queryset, subjects_summarise
from portal.scoping import organisation_ids_of
from rights_holders.scoping import rights_holder_ids_visible_to
from takedowns.models import InfringementType

_TYPE_BY_LABEL = {label: value for value, label in InfringementType.choices}
SUBJECT_KINDS = [("rights_holder", "A rights holder"), ("partner", "A vetting partner")]


@extend_schema_serializer(component_name="GoodFaithRecord")
class RecordSerializer(serializers.Serializer):
    decided = serializers.IntegerField(help_text="Items upheld, dismissed or rejected in the window.")
    upheld = serializers.IntegerField()
    dismissed_after_counter_notice = serializers.IntegerField(help_text="Successful counter-notices.")
    rejected = serializers.IntegerField()
    manifestly_unfounded = serializers.IntegerField()
    reversed = serializers.IntegerField(help_text="Takedowns reversed against you (appeal or quality audit).")
    accuracy_percent = serializers.FloatField(allow_null=True, help_text="upheld / decided.")
    counter_notice_success_percent = serializers.FloatField(allow_null=True)
    median_hours_to_outcome = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="GoodFaithShortfall")
class ShortfallSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["decided_items", "upheld_percent", "counter_notice_percent", "misuse_strikes", "no_verified_asset"]
    )
    detail = serializers.CharField()
    current = serializers.FloatField(allow_null=True, help_text="Where you stand.")
    required = serializers.FloatField(
        allow_null=True, help_text="The bar (a minimum, or a maximum for counter-notices and misuse strikes)."
    )
    more_needed = serializers.IntegerField(
        allow_null=True,
        help_text="At the least, how many more decisions close the gap: decided items; upheld ones in a row; "
        "items decided without a successful counter-notice. Null where more decisions do not help.",
    )


@extend_schema_serializer(component_name="GoodFaithScope")
class ScopeSerializer(serializers.Serializer):
    infringement_type = serializers.ChoiceField(
        choices=InfringementType.choices, allow_null=True, help_text="Null for the whole record (overall)."
    )
    membership = serializers.ChoiceField(choices=MembershipStatus.choices)
    active = serializers.BooleanField(help_text="This scope's membership is in force.")
    override = serializers.ChoiceField(choices=ManualOverride.choices, allow_blank=True)
    member_since = serializers.DateTimeField(allow_null=True)
    cooling_off_until = serializers.DateTimeField(allow_null=True)
    eligible = serializers.BooleanField(help_text="The record meets the bar now (the nightly run enrols).")
    record = RecordSerializer()
    distance_to_bar = ShortfallSerializer(many=True, help_text="Empty when the scope meets the bar.")


@extend_schema_serializer(component_name="GoodFaithSubject")
class SubjectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SUBJECT_KINDS)
    id = serializers.CharField(allow_null=True, help_text="The rights holder's id (rhd_…); null for a partner.")
    name = serializers.CharField()
    fast_track_types = serializers.ListField(
        child=serializers.ChoiceField(choices=InfringementType.choices),
        help_text="Rights holders: the infringement types whose items take the fast track now.",
    )
    partner_privilege = serializers.BooleanField(
        allow_null=True, help_text="Partners: whether the notices you vet take the fast track now."
    )
    misuse_strikes = serializers.IntegerField()
    scopes = ScopeSerializer(many=True, help_text="Overall first, then each infringement type with figures.")


def _scope(row):
    membership = row.membership
    date = serializers.DateTimeField()
    return {
        "infringement_type": row.infringement_type or None,
        "membership": row.status,
        "active": row.active,
        "override": row.override,
        "member_since": date.to_representation(membership.member_since)
        if membership and membership.member_since
        else None,
        "cooling_off_until": date.to_representation(membership.cooling_off_until)
        if membership and membership.cooling_off_until
        else None,
        "eligible": row.eligible,
        "record": RecordSerializer(row.record).data,
        "distance_to_bar": [
            {
                "code": s.code,
                "detail": str(s),
                "current": s.current,
                "required": s.required,
                "more_needed": s.more_needed,
            }
            for s in row.shortfalls
        ],
    }


def _subject(summary):
    holder = summary.kind == "rights_holder"
    return {
        "kind": summary.kind,
        "id": PublicIdField(PREFIXES["rights_holder"]).to_representation(summary.subject.public_id) if holder else None,
        "name": summary.name,
        "fast_track_types": [_TYPE_BY_LABEL[label] for label in summary.fast_track_types],
        "partner_privilege": summary.partner_privilege,
        "misuse_strikes": summary.misuse_strikes,
        "scopes": [_scope(row) for row in summary.scopes],
    }


@extend_schema_serializer(component_name="GoodFaithBar")
class BarSerializer(serializers.Serializer):
    window_days = serializers.IntegerField(help_text="The record covers the decisions of these last days.")
    min_decided = serializers.IntegerField(help_text="Decided items a scope needs.")
    min_upheld = serializers.IntegerField(help_text="Percent of decided items upheld, at least.")
    max_counter_notice = serializers.IntegerField(help_text="Percent of successful counter-notices, at most.")
    cooling_off_days = serializers.IntegerField(help_text="A member that fell out waits this long to rejoin.")


class GoodFaithStatusApi(APIView):
    """Your organisation's Good Faith standing: each subject's record, memberships and distance to the bar."""

    required_scopes = {"GET": "good_faith:read"}

    @extend_schema_serializer(component_name="GoodFaithStatus")
    class OutputSerializer(serializers.Serializer):
        bar = BarSerializer()
        subjects = SubjectSerializer(many=True)

    @extend_schema(operation_id="good_faith_retrieve", responses=OutputSerializer, description=__doc__)
    def get(self, request):
        user = request.user
        holders = subjects_queryset("rights_holder").filter(pk__in=rights_holder_ids_visible_to(user))
        partners = subjects_queryset("partner").filter(organisation_id__in=organisation_ids_of(user))
        summaries = subjects_summarise("rights_holder", holders.order_by("legal_name", "pk")) + subjects_summarise(
            "partner", partners.order_by("pk")
        )
        return Response({"bar": bar_settings(), "subjects": [_subject(s) for s in summaries]})
