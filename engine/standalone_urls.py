"""The URLconf of the standalone engine server: only the engine, at the same /_fal/ mount."""

from django.urls import include, path

urlpatterns = [path("_fal/", include("engine.urls"))]
