from django import template

from ..models import ShareLink

register = template.Library()


@register.filter
def share_link(job):
    """The job's share link, or None: for the job page's share panel."""
    return ShareLink.objects.filter(job=job).first()
