"""Uploaded files stop being stored once they pass their size limit.

RequestSizeLimitMiddleware refuses a body whose Content-Length is too big for both files
together, and Django never reads past Content-Length (nor a body without one: a chunked
request reads as empty). Within that, one file can still be far over its own limit: a
15 MB portrait next to a small voice clip. This handler takes the place of Django's
TemporaryFileUploadHandler, writes each file to a temporary file as Django's does, and
stops writing once the file passes its limit: the temporary file is deleted at once and
the form or serializer receives an OversizedUpload, which its size check refuses with a
size message.

The rest of that file part is still read and thrown away (bounded by the Content-Length
the middleware accepted), rather than the upload being cut off with StopUpload: a server
that closes a connection holding unread data makes browsers show "connection reset"
instead of the form with its message, and the fields after the file would be lost.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler


def file_limit(field_name: str) -> int:
    """The most bytes a file in this form field may have: the image or audio limit, and the
    larger of the two for a field that can hold either (the upload endpoint's `file`)."""
    if field_name == "image":
        return settings.MAX_IMAGE_BYTES
    if field_name == "audio":
        return settings.MAX_AUDIO_BYTES
    return max(settings.MAX_IMAGE_BYTES, settings.MAX_AUDIO_BYTES)


class OversizedUpload(UploadedFile):
    """A file refused for its size while it arrived: none of its content is kept.

    `size` is what arrived before storing stopped (more than `limit`), so the usual
    `upload.size > limit` checks refuse it with their own message.
    """

    def __init__(self, name, content_type, size, charset, limit, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)
        self.limit = limit


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.limit = file_limit(field_name)
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data, start):
        if self.oversized:
            return None
        self.received += len(raw_data)
        if self.received > self.limit:
            self.oversized = True
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        if self.oversized:
            return OversizedUpload(
                self.file_name, self.content_type, self.received, self.charset, self.limit, self.content_type_extra
            )
        return super().file_complete(file_size)
