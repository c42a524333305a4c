from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
]

if settings.FAL_MODE == "local":
    # The local fal-compatible engine answers beside the app, so the defaults need no
    # second process. With a FAL_KEY it is not mounted at all.
    urlpatterns.append(path("_fal/", include("engine.urls")))
