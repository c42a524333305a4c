"""Inputs given by reference (an http(s) URL or a data: URI), checked and measured for the
user who gives them. Every door that takes a reference (the seed API, v1 jobs and batches,
the fal proxy's queue) comes through here, so no input reaches a job unmeasured."""

from django.conf import settings

from consent import services as consent
from jobs import downloads, fal, media
from jobs.models import Asset


def own_uploads(user, values) -> dict[str, Asset]:
    """The user's uploads named by any of `values` (URLs), by URL, in one query: a job's two
    inputs looked up together (pass the result to check_reference as `uploads`)."""
    urls = [value for value in values if value and not value.startswith("data:")]
    if not urls or user is None or not user.is_authenticated:
        return {}
    found = Asset.objects.filter(user=user, fal_url__in=urls, origin=fal.storage_origin())
    return {asset.fal_url: asset for asset in found}


def check_reference(user, value: str, kind: str, uploads: dict[str, Asset] | None = None) -> media.ValidatedInput:
    """The checked input named by `value`, as an "image" or "audio" input; raises media.MediaError.

        Audio always carries its decoded length, the length the limit and the price rest on:
        a data: URI is decoded here, a URL the upload endpoint gave this user carries what was
        measured of its file, and any other URL is downloaded and measured (jobs.downloads),
        the job then sending fal the very bytes that were measured. A hosted image is left for
        fal to fetch (its price does not depend on it), unless staff have blocked portraits: it is
    then downloaded and checked like an upload, so a blocked picture is refused by its bytes.
    """
    reference = media.check_input_reference(value, kind)
    if not reference.url:
        return reference
    asset = uploads[reference.url] if uploads and reference.url in uploads else _own_upload(user, reference.url)
    if asset is not None and (asset.kind != "audio" or asset.duration is not None):  # else measured below
        return _with_upload_facts(reference, asset, kind)
    if kind == "audio":
        return downloads.download_input(reference.url, "audio")
    if consent.anything_blocked():
        return downloads.download_input(reference.url, "image")  # there is a block list to hold it against
    return reference


def _own_upload(user, url) -> Asset | None:
    if user is None or not user.is_authenticated:
        return None
    return Asset.objects.filter(user=user, fal_url=url, origin=fal.storage_origin()).first()


def _with_upload_facts(reference, asset, kind):
    if asset.kind != kind:
        raise media.MediaError(f"This upload is {asset.kind}, not {kind}.")
    if kind == "image" and consent.is_blocked(asset.sha256):
        raise media.MediaError(consent.BLOCKED_MESSAGE)
    # Named as the person named the file, not by fal's stored name (`<random>_face.jpg`).
    reference.source_name = asset.file_name or reference.source_name
    if kind == "audio":
        # Limits may have changed since the upload was measured.
        longest = settings.MAX_LONG_AUDIO_SECONDS
        if asset.duration > longest:
            raise media.MediaError(
                f"This upload lasts {asset.duration:.1f} seconds; the limit is {longest:g} seconds."
            )
        if asset.duration < settings.MIN_AUDIO_SECONDS:
            raise media.MediaError(
                f"This upload is too short; it must last at least {settings.MIN_AUDIO_SECONDS:g} seconds."
            )
        reference.duration = asset.duration
    return reference
