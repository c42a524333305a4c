"""What the pages and the API show of a long video: its segments and how far they are."""

from jobs.models import JobState

from .models import Segment


def segments_of(job) -> list[dict]:
    """Each attempt at each segment of a long video, in order ([] for any other job)."""
    if not job.is_long:
        return []
    return [
        {
            "position": segment.position,
            "attempt": segment.attempt,
            "job": segment.job_id,
            "status": segment.job.state,
            "start_seconds": segment.start_seconds,
            "end_seconds": segment.end_seconds,
            "error": segment.job.error,
        }
        for segment in Segment.objects.filter(long_video_id=job.pk).select_related("job")
    ]


def progress_of(job) -> dict | None:
    """{"done": segments made, "total": segments} of a long video (None for any other job)."""
    if not job.is_long:
        return None
    done = Segment.objects.filter(long_video_id=job.pk, job__state=JobState.COMPLETED).count()
    return {"done": done, "total": job.segment_count}


def progress_text(job) -> str:
    """ "segment 3 of 7" while its segments are made, "stitching 7 segments" after ("" for
    any other job, or one that has ended)."""
    progress = progress_of(job)
    if progress is None or job.is_finished:
        return ""
    if progress["done"] == progress["total"]:
        return f"stitching {progress['total']} segments"
    return f"segment {progress['done'] + 1} of {progress['total']}"
