"""The engine's routes, relative to its mount (/_fal/ in the main app and when standalone).

fal-client is pointed here by jobs.fal_routing: <mount>/queue/, <mount>/run/, <mount>/rest
and <mount>/cdn. Optional trailing slashes are part of the patterns, never redirects: fal's
async client does not follow redirects. The test controls are not here but in
engine.controlled_urls: the app's own mount never has them.
"""

from django.urls import path, re_path

from . import queue_views, storage_views

app_name = "engine"

APP = r"(?P<app>[^/]+/[^/]+(?:/[^/]+)*?)"
REQUEST = APP + r"/requests/(?P<request_id>[^/]+)"
ENDPOINT = r"(?P<endpoint>[^/]+/[^/]+(?:/[^/]+)*)"
STORED = r"(?P<name>[^/]+)"

urlpatterns = [
    path("", queue_views.index, name="mount"),
    # Queue
    re_path(rf"^queue/{REQUEST}/status/stream/?$", queue_views.status_stream, name="status-stream"),
    re_path(rf"^queue/{REQUEST}/status/?$", queue_views.status, name="status"),
    re_path(rf"^queue/{REQUEST}/cancel/?$", queue_views.cancel, name="cancel"),
    re_path(rf"^queue/{REQUEST}/?$", queue_views.result, name="result"),
    re_path(rf"^queue/{ENDPOINT}/?$", queue_views.submit, name="submit"),
    re_path(rf"^run/{ENDPOINT}/?$", queue_views.run, name="run"),
    # REST: storage and the webhook key set
    re_path(r"^rest/storage/auth/token/?$", storage_views.cdn_token, name="cdn-token"),
    re_path(r"^rest/storage/upload/initiate/?$", storage_views.initiate_upload, name="initiate-upload"),
    re_path(
        r"^rest/storage/upload/initiate-multipart/?$",
        storage_views.initiate_multipart_upload,
        name="initiate-multipart",
    ),
    re_path(r"^rest/\.well-known/jwks\.json$", storage_views.jwks, name="jwks"),
    # CDN
    re_path(r"^cdn/files/upload/?$", storage_views.cdn_upload, name="cdn-upload"),
    re_path(r"^cdn/files/upload/multipart/?$", storage_views.multipart_create, name="multipart-create"),
    re_path(
        rf"^cdn/files/{STORED}/multipart/(?P<upload_id>[^/]+)/complete/?$",
        storage_views.multipart_complete,
        name="multipart-complete",
    ),
    re_path(
        rf"^cdn/files/{STORED}/multipart/(?P<upload_id>[^/]+)/(?P<part_number>\d+)/?$",
        storage_views.multipart_part,
        name="multipart-part",
    ),
    re_path(rf"^cdn/uploads/{STORED}$", storage_views.presigned_upload, name="presigned-upload"),
    re_path(rf"^cdn/files/{STORED}$", storage_views.serve_file, name="file"),
]
