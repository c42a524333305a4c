"""The project's URLs plus the webhook-endpoints resource at /api/v1/, as the v1 router
(another app, not built yet) will mount it."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from config.urls import urlpatterns as project_urlpatterns
from outbox.api import WebhookEndpointViewSet

router = SimpleRouter()
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = [path("api/v1/", include(router.urls)), *project_urlpatterns]
