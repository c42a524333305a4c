from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

app_name = "openapi"
urlpatterns = [
    # YAML by default; JSON with ?format=json or Accept: application/vnd.oai.openapi+json.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own (?script), so the page
    # runs under our Content-Security-Policy (script-src 'self', no inline code).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="openapi:schema", template_name="api/docs.html"),
        name="docs",
    ),
]
