"""The engine's stand-in for fal's CDN: files on disk under settings.ENGINE_STORAGE_DIR.

Uploads land in a temporary file and are renamed into place, so a half-written upload is
never served. Tokens and presigned upload URLs are signed with SECRET_KEY rather than kept
in memory, so they survive an engine restart just like real presigned URLs would.
"""

import hashlib
import mimetypes
import re
import secrets
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core import signing

CDN_TOKEN_LIFETIME = timedelta(hours=1)
PRESIGNED_UPLOAD_LIFETIME = timedelta(hours=1)
CDN_TOKEN_SALT = "engine.cdn-token"
PRESIGNED_UPLOAD_SALT = "engine.presigned-upload"
PRESIGNED_MULTIPART_SALT = "engine.presigned-multipart"
STORED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
COPY_CHUNK_BYTES = 1024 * 1024


class UploadRejected(ValueError):
    """A multipart upload that cannot be completed as asked."""


def storage_root() -> Path:
    return Path(settings.ENGINE_STORAGE_DIR)


def files_dir() -> Path:
    directory = storage_root() / "files"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def new_file_name(original_name: str | None, content_type: str | None) -> str:
    """A unique, URL-safe stored name that keeps the original's name and a usable extension."""
    stem, extension = "upload", ""
    if original_name:
        cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(original_name).name).strip(".-")
        if cleaned:
            stem, extension = Path(cleaned).stem[:80] or "upload", Path(cleaned).suffix.lower()
    if not extension and content_type:
        extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return f"{secrets.token_hex(10)}_{stem}{extension}"


def stored_file(name: str) -> Path | None:
    """The path of a completed file, or None for names that are malformed or not stored."""
    if not STORED_NAME.match(name) or ".." in name:
        return None
    path = files_dir() / name
    return path if path.is_file() else None


def save_stream(name: str, stream: BinaryIO) -> int:
    """Store the stream's bytes under name (atomically); returns the size in bytes."""
    directory = files_dir()
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".incoming-", delete=False) as incoming:
        shutil.copyfileobj(stream, incoming, COPY_CHUNK_BYTES)
        size = incoming.tell()
    Path(incoming.name).replace(directory / name)
    return size


def new_output_path(file_name: str) -> tuple[str, Path]:
    """A fresh stored name and path for a file the engine generates itself."""
    name = new_file_name(file_name, None)
    return name, files_dir() / name


# --- multipart uploads (fal-client, payloads over 100 MB) -------------------------------------


def multipart_dir(upload_id: str) -> Path:
    if not STORED_NAME.match(upload_id):
        raise UploadRejected("unknown upload id")
    return storage_root() / "multipart" / upload_id


def start_multipart(name: str) -> str:
    upload_id = secrets.token_hex(16)
    directory = multipart_dir(upload_id)
    directory.mkdir(parents=True)
    (directory / "target").write_text(name)
    return upload_id


def check_multipart_target(upload_id: str, name: str) -> Path:
    directory = multipart_dir(upload_id)
    target = directory / "target"
    if not target.is_file() or target.read_text() != name:
        raise UploadRejected("unknown upload id for this file")
    return directory


def save_part(upload_id: str, name: str, part_number: int, stream: BinaryIO) -> str:
    """Store one part; returns its ETag (the quoted MD5, as S3-style stores do)."""
    directory = check_multipart_target(upload_id, name)
    digest = hashlib.md5(usedforsecurity=False)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".incoming-", delete=False) as incoming:
        while chunk := stream.read(COPY_CHUNK_BYTES):
            digest.update(chunk)
            incoming.write(chunk)
    Path(incoming.name).replace(directory / f"part-{part_number}")
    etag = f'"{digest.hexdigest()}"'
    (directory / f"part-{part_number}.etag").write_text(etag)
    return etag


def complete_multipart(upload_id: str, name: str, parts: list[dict]) -> int:
    """Join the listed parts in part-number order (clients list them in completion order)."""
    directory = check_multipart_target(upload_id, name)
    try:
        ordered = sorted(parts, key=lambda part: int(part["partNumber"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise UploadRejected("each part needs a numeric partNumber") from exc
    if not ordered:
        raise UploadRejected("no parts listed")
    for part in ordered:
        etag_file = directory / f"part-{int(part['partNumber'])}.etag"
        if not etag_file.is_file():
            raise UploadRejected(f"part {part['partNumber']} was never uploaded")
        if part.get("etag") and part["etag"].strip('"') != etag_file.read_text().strip('"'):
            raise UploadRejected(f"part {part['partNumber']} has a different etag")
    joined = directory / ".joined"
    with joined.open("wb") as output:
        for part in ordered:
            with (directory / f"part-{int(part['partNumber'])}").open("rb") as part_file:
                shutil.copyfileobj(part_file, output, COPY_CHUNK_BYTES)
    size = joined.stat().st_size
    joined.replace(files_dir() / name)
    shutil.rmtree(directory, ignore_errors=True)
    return size


# --- credentials --------------------------------------------------------------------------------


def issue_cdn_token() -> tuple[str, datetime]:
    """A bearer token for CDN uploads and when it expires (aware UTC: fal-client compares it)."""
    expires_at = (datetime.now(UTC) + CDN_TOKEN_LIFETIME).replace(microsecond=0)
    return signing.dumps({"scope": "cdn-upload"}, salt=CDN_TOKEN_SALT), expires_at


def cdn_token_is_valid(token: str) -> bool:
    try:
        signing.loads(token, salt=CDN_TOKEN_SALT, max_age=CDN_TOKEN_LIFETIME)
    except signing.BadSignature:
        return False
    return True


def presign_upload(name: str) -> str:
    return signing.dumps(name, salt=PRESIGNED_UPLOAD_SALT)


def presign_multipart(upload_id: str) -> str:
    return signing.dumps(upload_id, salt=PRESIGNED_MULTIPART_SALT)


def presigned_multipart_is_valid(upload_id: str, signature: str) -> bool:
    try:
        return signing.loads(signature, salt=PRESIGNED_MULTIPART_SALT, max_age=PRESIGNED_UPLOAD_LIFETIME) == upload_id
    except signing.BadSignature:
        return False


def presigned_upload_is_valid(name: str, signature: str) -> bool:
    try:
        return signing.loads(signature, salt=PRESIGNED_UPLOAD_SALT, max_age=PRESIGNED_UPLOAD_LIFETIME) == name
    except signing.BadSignature:
        return False
