from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.models import ApiKey
from api.permissions import ANY_KEY


class MeApi(APIView):
    """Who the caller is: the key's organisation and the scopes it may use now. The cheapest authenticated call."""

    required_scopes = {"GET": ANY_KEY}

    @extend_schema_serializer(component_name="Me")
    class OutputSerializer(serializers.Serializer):
        organisation = serializers.CharField()
        organisation_kind = serializers.CharField()
        key_prefix = serializers.CharField(allow_null=True)
        scopes = serializers.ListField(child=serializers.CharField())

    @extend_schema(operation_id="me_retrieve", responses=OutputSerializer)
    def get(self, request):
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is not None:
            organisation, scopes, prefix = key.organisation, sorted(key.scopes_in_force), key.prefix
        else:
            organisation = request.user.organisations.order_by("pk").first()
            scopes, prefix = [], None
        data = {
            "organisation": organisation.name if organisation else "",
            "organisation_kind": organisation.kind if organisation else "",
            "key_prefix": prefix,
            "scopes": scopes,
        }
        return Response(self.OutputSerializer(data).data)
