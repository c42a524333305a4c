"""Requests too big to be an avatar job are refused from their Content-Length, before a
byte of the body is read (Django would otherwise spool a 200 MB upload to disk first).

A body sent with a Transfer-Encoding (chunked, without a Content-Length) is refused too:
Django reads bodies by Content-Length alone and would read it as empty, so the form would
answer "this field is required" for files that were sent. limits.uploads stops storing a file once it passes its
own limit.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse


def largest_request_bytes() -> int:
    """One image and one audio file at their limits, plus room for the form around them."""
    return settings.MAX_IMAGE_BYTES + settings.MAX_AUDIO_BYTES + settings.REQUEST_OVERHEAD_BYTES


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = largest_request_bytes()
        if length > limit:
            return self.too_large(request, limit)
        if "HTTP_TRANSFER_ENCODING" in request.META:
            return self.length_required(request)
        return self.get_response(request)

    @classmethod
    def too_large(cls, request, limit):
        megabytes = f"{limit / (1024 * 1024):.0f} MB"
        detail = (
            f"The request is larger than {megabytes}. Images may be "
            f"up to {settings.MAX_IMAGE_BYTES // (1024 * 1024)} MB "
            f"and audio up to {settings.MAX_AUDIO_BYTES // (1024 * 1024)} MB."
        )
        return cls.refusal(request, 413, "Too large", detail, "request_too_large")

    @classmethod
    def length_required(cls, request):
        detail = "Send the request body with a Content-Length header; a body sent in chunks is not read."
        return cls.refusal(request, 411, "Length required", detail, "length_required")

    @staticmethod
    def refusal(request, status, title, detail, code):
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": detail, "code": code}, status=status)
        else:
            response = HttpResponse(
                f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{detail}</p>", status=status
            )
        # Answered before the rest of the stack (which would add it) runs.
        response["Content-Length"] = str(len(response.content))
        return response
