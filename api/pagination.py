from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Stable pages however many objects are added meanwhile: `next`/`previous` are opaque
    cursors, and no page costs an OFFSET or a COUNT of the whole list."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
