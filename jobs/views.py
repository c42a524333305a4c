"""Serving local media to its owner only: inputs and videos are private to their user.

Access is decided on the file as it really is on disk: the requested path is refused if it
has `.`/`..` or empty segments, resolved (symlinks followed) inside MEDIA_ROOT, and then
the resolved name must be a file of a job the caller owns. Nothing is read from the raw
path's folder names, which an attacker controls. A signed URL (jobs.signed_urls) stands in
for the owner: it names one file until its expiry.
"""

from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from core.ranged_files import ranged_file_response

from . import signed_urls
from .models import Job


class PrivateMediaView(APIView):
    """A file from MEDIA_ROOT for its owner (or staff), by session or API token; 404 for
    everyone else, so the existence of other users' files is not revealed. A URL signed by
    jobs.signed_urls is served to anyone until it expires; a tampered or expired one is 403."""

    permission_classes = [AllowAny]
    http_method_names = ["get", "head"]

    def perform_authentication(self, request):
        pass  # authenticate lazily in get(): a bad token must look like any other stranger

    def perform_content_negotiation(self, request, force=False):
        # A file is what it is: a strict Accept (a player's "video/mp4") must not become a 406.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, path):
        name = _stored_name(path)
        if "signature" in request.GET:
            try:
                signed_urls.check(path, request.GET.get("expires", ""), request.GET["signature"])
            except signed_urls.LinkRefused as exc:
                raise PermissionDenied(str(exc)) from None
            if name is None:
                raise Http404("No such file.")
        elif name is None or not _may_read(_caller(request), name):
            raise Http404("No such file.")
        return ranged_file_response(request, Path(settings.MEDIA_ROOT) / name)

    head = get


def _caller(request):
    """The session's or the API token's user (through DRF's authentication classes), or None."""
    try:
        user = request.user
    except AuthenticationFailed:
        return None
    return user if user.is_authenticated else None


def _stored_name(path):
    """The storage name of the existing file `path` really is, or None.

    Refuses `.`, `..`, empty segments and backslashes outright, then resolves symlinks and
    requires the real file to lie inside MEDIA_ROOT.
    """
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments) or "\\" in path or "\x00" in path:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        real = (root / path).resolve()
        if not real.is_relative_to(root) or not real.is_file():
            return None
    except OSError:  # a name too long, a symlink loop, a folder we may not read
        return None
    return real.relative_to(root).as_posix()


def _may_read(user, name):
    if user is None:
        return False
    owning = Job.objects.filter(Q(video=name) | Q(poster=name) | Q(image_file=name) | Q(audio_file=name))
    return owning.exists() if user.is_staff else owning.filter(user=user).exists()


serve_private_media = PrivateMediaView.as_view()
