from datetime import UTC

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Stable pages however many objects are added meanwhile: `next`/`previous` are opaque
    cursors, and no page costs an OFFSET or a COUNT of the whole list."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        # A cursor's position is the created_at of its page's edge. DRF doesn't check it, and
        # one made by hand with anything else reached the query as a date Django can't
        # read: a 500 instead of this 404.
        if cursor is not None and cursor.position is not None and not _is_moment(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor


def _is_moment(position) -> bool:
    try:
        moment = parse_datetime(position)
        return moment is not None and moment.tzinfo is not None and moment.astimezone(UTC) is not None
    except (ValueError, OverflowError):
        return False
