"""DRF throttles for the API: per user (token or session), one rate per kind of request.

Rates come from settings.THROTTLE_RATES on every request (so they can be configured and
changed in tests), and the counting is limits.counters', shared with the browser's limits.
"""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from .clients import client_address
from .counters import Rate, hit


class UserScopedThrottle(BaseThrottle):
    """Throttles a view by its `throttle_scope` ("submit", "upload", "read") per user."""

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        if scope is None:
            return True
        who = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_address(request)}"
        self.wait_seconds = hit(f"api:{scope}:{who}", Rate.parse(settings.THROTTLE_RATES[scope]))
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds
