from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from api import pages as api_pages
from falproxy import pages as falproxy_pages
from jobs.views import serve_private_media

admin.site.site_header = admin.site.site_title = "Avatar Studio admin"
# Staff work in wide lists (jobs: times to the second, model, request id); they get the whole
# width, not a share beside a sidebar that repeats the index page.
admin.site.enable_nav_sidebar = False


class FaviconRedirect(RedirectView):
    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    # /metrics, and the staff dashboard under /admin/monitoring/ (so before the admin's own).
    path("", include("monitoring.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/fal/", include("falproxy.urls")),
    path("api/", include("api.seed.urls")),
    path("api/", include("api.docs_urls")),
    path("webhooks/", include("webhooks.urls")),
    path("credits/", include("credits.urls")),
    path("settings/tokens/", api_pages.tokens, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", api_pages.revoke, name="token-revoke"),
    path("settings/webhooks/", include("outbox.urls")),
    path("sdk/", falproxy_pages.sdk_page, name="sdk"),
    path("", include("sharing.urls")),
    path("settings/notifications/", include("notifications.urls")),
    path("", include("avatars.urls")),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says. (The URL is
    # looked up per request: hashed static names exist only after collectstatic.)
    path("favicon.ico", FaviconRedirect.as_view(permanent=True)),
]

if settings.FAL_MODE == "local":
    # The local fal-compatible engine answers beside the app, so the defaults need no
    # second process. With a FAL_KEY it is not mounted at all.
    urlpatterns.append(path("_fal/", include("engine.urls")))


# Local files are served by Django, to their owner only (S3 hands out signed URLs instead).
if not settings.AWS_STORAGE_BUCKET_NAME:
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve_private_media, name="media"))
