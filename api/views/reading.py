"""Reading what the pages' selectors show the caller: a list, and one object by its public id.

An API class names its selector (``visible``: user -> queryset, the pages' own, STYLE.md habit 5) and
its output; the look-up, the 404 for another organisation's object and the answer are written once here.
Each class still declares its scope and its schema (operation id, path parameter).
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import object_by_public_id_or_404


def public_id_parameter(name, prefix, note=""):
    """The OpenAPI description of a path parameter holding a ``<prefix>_…`` public id."""
    article = "An" if prefix[0] in "aefhilmnorsx" else "A"  # as the prefix is read out, letter by letter: "an l"
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=f"{article} `{prefix}_…` id{note}.")


class VisibleListApi(ListAPIView):
    """What ``visible(user)`` shows the caller, filtered (``filterset_class``) and paginated by cursor."""

    visible = None  # staticmethod(selector): user -> queryset

    def get_queryset(self):
        return self.visible(self.request.user)


class VisibleDetailApi(APIView):
    """One object of ``visible(user)`` by the public id in ``lookup_url_kwarg``: a 404 alike for another
    organisation's, a missing or a malformed id."""

    visible = None  # staticmethod(selector): user -> queryset
    prefix = None  # of the public ids (api.fields.PREFIXES)
    lookup_url_kwarg = None
    serializer_class = None

    def get(self, request, **kwargs):
        found = object_by_public_id_or_404(self.visible(request.user), self.prefix, kwargs[self.lookup_url_kwarg])
        return Response(self.serializer_class(found).data)
