"""Requests too big to be an avatar job are refused from their Content-Length, before a
byte of the body is read (Django would otherwise spool a 200 MB upload to disk first)."""

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
        return self.get_response(request)

    @staticmethod
    def too_large(request, limit):
        megabytes = f"{limit / (1024 * 1024):.0f} MB"
        detail = (
            f"The request is larger than {megabytes}. Images may be up to {settings.MAX_IMAGE_BYTES // (1024 * 1024)} MB "
            f"and audio up to {settings.MAX_AUDIO_BYTES // (1024 * 1024)} MB."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": detail, "code": "request_too_large"}, status=413)
        else:
            response = HttpResponse(f"<!doctype html><title>Too large</title><h1>Too large</h1><p>{detail}</p>", status=413)
        # Answered before the rest of the stack (which would add it) runs.
        response["Content-Length"] = str(len(response.content))
        return response
