"""The API's documentation pages (Swagger UI at ``/api/docs/``, ReDoc at ``/api/docs/redoc/``), closed to the outside.

Both are drf-spectacular's views, their scripts and styles served from our own
static files (``drf_spectacular_sidecar``, ``SPECTACULAR_SETTINGS``), so the
pages work on a network that reaches nothing else. Two things would still
reach out: ReDoc's page template loads Google Fonts (replaced by
``templates/drf_spectacular/redoc.html``, system fonts instead) and ReDoc's
menu shows Redocly's logo from their CDN, which no setting turns off. The
Content-Security-Policy below lets the browser fetch from this portal only, so
that logo, and anything a later version of either bundle adds, is never
requested: the reader's browser tells no third party who reads which schema.
"""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

# Inline script and style: drf-spectacular's templates start the UI inline, and both UIs style
# elements inline. blob: workers: ReDoc's search index. data: images: Swagger UI's icons.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


class _SameOriginOnly:
    @extend_schema(exclude=True)  # a page about the contract, not an operation of it
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response


class ApiDocsSwaggerView(_SameOriginOnly, SpectacularSwaggerView):
    """Swagger UI: the operations, their schemas, and "Try it out" with an API key (Authorize)."""


class ApiDocsRedocView(_SameOriginOnly, SpectacularRedocView):
    """The same contract rendered by ReDoc, for reading."""
