from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views, voices

app_name = "v1"

router = SimpleRouter(trailing_slash=False)
router.register("jobs", views.JobViewSet, basename="job")
router.register("files", views.FileViewSet, basename="file")
router.register("batches", views.BatchViewSet, basename="batch")
router.register("tokens", views.TokenViewSet, basename="token")
router.register("webhook-endpoints", views.WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
    path("voices", voices.VoiceListView.as_view(), name="voices"),
    *router.urls,
]
