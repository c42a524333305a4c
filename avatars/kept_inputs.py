"""Files a refused create form had already received and found valid, kept so the person
need not choose them again: stored under a random name, referred to by a signed token that
only the same user can use, for KEPT_INPUT_SECONDS."""

import os
import secrets

from django.core import signing
from django.core.files.storage import default_storage

FOLDER = "kept-inputs"
# Long enough to fix a prompt or pick another clip; the file is read again when used.
KEPT_INPUT_SECONDS = 24 * 3600


def _signer(user):
    return signing.TimestampSigner(salt=f"avatars.kept_inputs:{user.pk}")


def keep(user, upload) -> str:
    """Store `upload` (a checked file) for `user`; returns the token a form sends back."""
    upload.seek(0)
    stored = default_storage.save(f"{FOLDER}/{user.pk}/{secrets.token_hex(8)}/{os.path.basename(upload.name)}", upload)
    return _signer(user).sign(stored)


def open_kept(user, token):
    """The kept file as an open File named as it was uploaded, or None (a token that is not
    this user's, has expired or whose file is gone)."""
    try:
        name = _signer(user).unsign(token, max_age=KEPT_INPUT_SECONDS)
    except signing.BadSignature:
        return None
    if not name.startswith(f"{FOLDER}/{user.pk}/") or not default_storage.exists(name):
        return None
    kept = default_storage.open(name, "rb")
    kept.name = os.path.basename(name)
    return kept


def forget(user, token):
    """Delete a kept file once a job has its own copy."""
    try:
        name = _signer(user).unsign(token)
    except signing.BadSignature:
        return
    if name.startswith(f"{FOLDER}/{user.pk}/"):
        default_storage.delete(name)
