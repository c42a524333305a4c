"""Serving local media to its owner only: inputs and videos are private to their user."""

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_GET
from django.views.static import serve
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# Stored names are "<inputs|videos>/<user id>/<job id>/<file>" (see jobs.models).
PRIVATE_FOLDERS = ("inputs", "videos")


def _owner_id(path):
    parts = path.split("/")
    if len(parts) >= 4 and parts[0] in PRIVATE_FOLDERS:
        return parts[1]
    return None


def _requesting_user(request):
    """The browser session's user, or an API consumer's token user."""
    if request.user.is_authenticated:
        return request.user
    try:
        authenticated = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return authenticated[0] if authenticated else None


@require_GET
def serve_private_media(request, path):
    """A file from MEDIA_ROOT for its owner (or staff); 404 for everyone else, so the
    existence of other users' files is not revealed."""
    user = _requesting_user(request)
    owner_id = _owner_id(path)
    if user is None or owner_id is None or (str(user.pk) != owner_id and not user.is_staff):
        raise Http404("No such file.")
    return serve(request, path, document_root=settings.MEDIA_ROOT)
