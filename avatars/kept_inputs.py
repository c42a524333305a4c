"""Files a refused create or batch form had already received and found valid, kept so the
person need not choose them again: stored under a random name, referred to by a signed token
that only the same user can use, for KEPT_INPUT_TTL_SECONDS. A job never uses a kept file
itself (it stores its own copy), so a kept file older than that is of no use to anyone: the
workers' sweep deletes it, for the forms that are never sent again."""

import os
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone

from workers.chores import Every

FOLDER = "kept-inputs"
# Files deleted per call of the sweep (called again at once while it finds some).
SWEEP_BATCH = 500


def _signer(user):
    return signing.TimestampSigner(salt=f"avatars.kept_inputs:{user.pk}")


# Before the uploaded name: a random part and a hyphen. One file a kept input, no folder: local
# storage leaves a deleted file's folder behind, and the storage API cannot remove it.
RANDOM_PART = 17
# Bytes of the uploaded name kept in the stored one (a file name may have 255 at most).
NAME_BYTES = 200


def keep(user, upload) -> str:
    """Store `upload` (a checked file) for `user`; returns the token a form sends back."""
    upload.seek(0)
    uploaded = os.path.basename(upload.name).encode()[:NAME_BYTES].decode(errors="ignore")
    stored = default_storage.save(f"{FOLDER}/{user.pk}/{secrets.token_hex(8)}-{uploaded}", upload)
    return _signer(user).sign(stored)


def _uploaded_name(stored: str) -> str:
    folder, name = os.path.split(stored)
    # Kept in a folder of its own (kept-inputs/<user>/<random>/<name>) by earlier versions.
    return name if folder.count("/") == 2 else name[RANDOM_PART:]


def open_kept(user, token):
    """The kept file as an open File named as it was uploaded, or None (a token that is not
    this user's, has expired or whose file is gone)."""
    try:
        name = _signer(user).unsign(token, max_age=settings.KEPT_INPUT_TTL_SECONDS)
    except signing.BadSignature:
        return None
    if not name.startswith(f"{FOLDER}/{user.pk}/") or not default_storage.exists(name):
        return None
    kept = default_storage.open(name, "rb")
    kept.name = _uploaded_name(name)
    return kept


def forget(user, token):
    """Delete a kept file once a job has its own copy."""
    try:
        name = _signer(user).unsign(token)
    except signing.BadSignature:
        return
    if name.startswith(f"{FOLDER}/{user.pk}/"):
        default_storage.delete(name)


def _stored_files(folder):
    """Every stored file under `folder`, walked through the storage API (local or S3)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever kept (S3 lists an absent prefix as empty)
        return
    for name in files:
        yield f"{folder}/{name}"
    for inner in folders:
        yield from _stored_files(f"{folder}/{inner}")


def sweep_expired() -> int:
    """Delete up to SWEEP_BATCH kept files stored over KEPT_INPUT_TTL_SECONDS ago (their
    tokens no longer open them); returns how many went."""
    cutoff = timezone.now() - timedelta(seconds=settings.KEPT_INPUT_TTL_SECONDS)
    expired = []
    for name in _stored_files(FOLDER):
        if default_storage.get_modified_time(name) < cutoff:
            expired.append(name)
            if len(expired) == SWEEP_BATCH:
                break
    for name in expired:
        default_storage.delete(name)
    return len(expired)


def kept_input_sweeping():
    """Every running worker sweeps expired kept files once an hour (workers.chores)."""
    return Every(3600, sweep_expired)
