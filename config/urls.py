from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("jobs.api_urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("avatars.urls")),
]

if settings.FAL_MODE == "local":
    # The local fal-compatible engine answers beside the app, so the defaults need no
    # second process. With a FAL_KEY it is not mounted at all.
    urlpatterns.append(path("_fal/", include("engine.urls")))



def serve_media(request, path):
    # MEDIA_ROOT is read per request, not frozen when this module is imported.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


# Local file storage is served by Django itself (S3 serves its own files).
if not settings.AWS_STORAGE_BUCKET_NAME:
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve_media))
