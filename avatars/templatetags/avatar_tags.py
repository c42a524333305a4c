from django import template
from django.utils import dateformat, timezone

register = template.Library()


@register.filter
def clock(seconds):
    """12.3 -> "0:12"; 5.56 -> "0:05"; 3725 -> "1:02:05".

    Whole seconds are dropped, not rounded, as a media player's clock does: a 5.56 s video
    must read 0:05 here as it does on the player beside it.
    """
    if seconds is None or seconds == "":
        return ""
    total = int(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def about(seconds):
    """A rough spoken duration: "about 8 minutes", "about 1 second"."""
    if seconds is None or seconds == "":
        return ""
    seconds = float(seconds)
    if seconds >= 90:
        value, unit = round(seconds / 60), "minute"
    else:
        value, unit = max(round(seconds), 1), "second"
    return f"about {value} {unit}{'' if value == 1 else 's'}"


@register.filter
def short_date(moment):
    """ "Dec. 7, 06:38" this year, "Dec. 7, 2025" before: a gallery card's date, one short
    line even on the narrowest card."""
    if not moment:
        return ""
    moment = timezone.localtime(moment)
    same_year = moment.year == timezone.localtime().year
    return dateformat.format(moment, "N j, H:i" if same_year else "N j, Y")


STATE_TONE = {
    "speaking": "working",
    "pending": "waiting",
    "in_queue": "waiting",
    "in_progress": "working",
    "completed": "good",
    "failed": "bad",
    "timed_out": "bad",
    "cancelled": "muted",
}


@register.inclusion_tag("avatars/_badge.html")
def status_badge(job):
    return {"state": job.state, "label": job.get_state_display(), "tone": STATE_TONE.get(job.state, "muted")}
