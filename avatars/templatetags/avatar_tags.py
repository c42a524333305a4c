from django import template

register = template.Library()


@register.filter
def clock(seconds):
    """12.3 -> "0:12"; 3725 -> "1:02:05"."""
    if seconds is None or seconds == "":
        return ""
    total = int(round(float(seconds)))
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


STATE_TONE = {
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
