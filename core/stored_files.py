"""A stored file (a FieldFile) as an HTTP answer, from whichever storage holds it."""

from pathlib import Path

from django.http import FileResponse, Http404, HttpResponseRedirect

from . import stored_media
from .ranged_files import ranged_file_response

# A signed bucket URL only has to start a transfer; the bucket finishes one it started.
SIGNED_URL_SECONDS = 300


def stored_file_response(request, stored, content_type: str, disposition: str):
    """A job's stored file (a FieldFile) with this type and Content-Disposition, from whichever
    storage holds it. A bucket that signs its URLs (S3) gets the browser sent to a 5-minute
    signed URL carrying both headers: the bucket serves the file, byte ranges included, and
    no web thread of ours is held for the length of a download. A local file is served like
    /media/ (as the type its bytes are; byte ranges, so a big download can resume); another
    remote storage, which could not be told the headers, is streamed through. The caller has
    checked who may read it."""
    storage = stored.storage
    if getattr(storage, "querystring_auth", False):
        parameters = {"ResponseContentType": content_type, "ResponseContentDisposition": disposition}
        return HttpResponseRedirect(storage.url(stored.name, parameters=parameters, expire=SIGNED_URL_SECONDS))
    try:
        path = Path(stored.path)
    except NotImplementedError:  # remote storage: no local path
        response = FileResponse(stored.open("rb"), content_type=content_type)
        response["Content-Disposition"] = disposition
        return stored_media.guard(response)
    if not path.is_file():
        raise Http404("The stored file is missing.")
    return ranged_file_response(request, path, disposition=disposition)
