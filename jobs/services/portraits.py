"""A job's portrait as the consent app knows portraits: by the SHA-256 of its bytes."""

from consent import services as consent

from .. import media


def portrait_sha256(job) -> str:
    """The stored portrait's hash; for a hosted picture, the hash recorded with its consent
    (if it was fetched then), else "" (a picture fal fetched and we never saw)."""
    if job.image_file:
        with job.image_file.open("rb") as stored:
            return media.content_sha256(stored)
    recorded = consent.consents_for_job(job.id).exclude(image_sha256="").first()
    return recorded.image_sha256 if recorded else ""


def block_portrait_of(job, *, by, reason="") -> bool:
    """Block the job's portrait for everyone, from now on; False when its bytes are unknown."""
    digest = portrait_sha256(job)
    if not digest:
        return False
    consent.block(digest, by=by, reason=reason or f"Blocked from job {job.id}")
    return True
