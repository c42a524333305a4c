"""How the admin job list and the gallery hold up on a big jobs table: N jobs (default
100,000) shared by a handful of users, written with bulk_create, then each page fetched
through Django's test client (in process: no HTTP, no server) and timed.

Prints the median of several runs for the admin job list (as a superuser, unfiltered and
filtered by state), the gallery's first and middle pages for one user, how many queries
each page ran, and how many page links the gallery renders.

Run on PostgreSQL (the default here; the database is created afresh):
    .venv/bin/python bench/big_tables.py [--jobs 100000] [--users 5] [--runs 9]
Another database: BENCH_DATABASE_URL=... (SQLite: sqlite:////tmp/big.sqlite3, a new file).
"""

import argparse
import os
import re
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta

import harness

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/avatar_bench_bigtables"
# Where jobs end up, roughly as in production: most complete, some fail, a few are under way.
STATES = ["completed"] * 16 + ["failed"] * 2 + ["cancelled", "timed_out", "in_progress", "pending"]


@contextmanager
def created_at_as_given():
    """bulk_create stamps auto_now_add fields with now(); the bench wants a year of history."""
    from jobs.models import Job

    field = Job._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def fill(job_count, users, batch_size=5000):
    """job_count jobs, round-robin over users, one every few minutes back from now."""
    from django.utils import timezone

    from jobs.models import Job
    from jobs.registry import MODELS

    endpoints = [model.endpoint_id for model in MODELS.values()]
    now = timezone.now()
    step = timedelta(days=365) / job_count
    with created_at_as_given():
        for start in range(0, job_count, batch_size):
            batch = []
            for n in range(start, min(start + batch_size, job_count)):
                user = users[n % len(users)]
                state = STATES[n % len(STATES)]
                created = now - step * n
                finished = created + timedelta(minutes=8) if state not in ("pending", "in_progress") else None
                folder = f"videos/{user.pk}/{n:08d}"
                batch.append(
                    Job(
                        user=user, endpoint_id=endpoints[n % len(endpoints)], state=state,
                        prompt=f"Bench video {n}: a friendly hello from the big table",
                        image_url="https://example.com/face.png", audio_url="https://example.com/speech.wav",
                        audio_duration=8.0, request_id=f"req-{n:08d}", submit_attempts=1,
                        # Real jobs carry fal's logs and output; the list pages never show them.
                        logs=[{"message": f"step {i} of the avatar pipeline", "level": "INFO", "timestamp": created.isoformat()} for i in range(8)],
                        fal_output={"video": {"url": f"https://fal.media/files/{n:08d}.mp4", "content_type": "video/mp4", "file_size": 1234567}, "duration": 8.0} if state == "completed" else None,
                        video=f"{folder}/video.mp4" if state == "completed" else "",
                        poster=f"{folder}/poster.jpg" if state == "completed" else "",
                        video_duration=8.04 if state == "completed" else None,
                        video_size=1234567 if state == "completed" else None,
                        error="The model failed." if state == "failed" else "",
                        created_at=created, queued_at=created, started_at=created, finished_at=finished,
                    )
                )
            Job.objects.bulk_create(batch)


def timed(client, url, runs):
    """Median and best milliseconds of `runs` GETs (after one warm-up), the queries one GET
    ran and their milliseconds, and the page's HTML."""
    from django.db import connection

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sql_ms = []

    def clock_query(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_ms.append((time.perf_counter() - started) * 1000)

    # Django clears connection.queries when a request starts, so count with a wrapper instead.
    with connection.execute_wrapper(clock_query):
        client.get(url)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), min(samples), len(sql_ms), sum(sql_ms), response.content.decode()


def page_links(html):
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    return len(re.findall(r"<a ", nav.group(0))) if nav else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if not os.environ.get("BENCH_DATABASE_URL"):
        harness.fresh_postgres(DEFAULT_POSTGRES)
        os.environ["BENCH_DATABASE_URL"] = DEFAULT_POSTGRES
    harness.setup_django()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from avatars.views import GALLERY_PAGE_SIZE
    from jobs.models import Job

    User = get_user_model()
    users = [User.objects.create_user(f"bench-{n}") for n in range(args.users)]
    started = time.perf_counter()
    fill(args.jobs, users)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE jobs_job")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"{Job.objects.count():,} jobs for {args.users} users written in {time.perf_counter() - started:.1f} s; database: {connection.vendor}\n")

    staff = Client()
    staff.force_login(User.objects.create_superuser("bench-admin"))
    owner = Client()
    owner.force_login(users[0])
    changelist = reverse("admin:jobs_job_changelist")
    gallery = reverse("avatars:gallery")
    middle = Job.objects.filter(user=users[0]).count() // GALLERY_PAGE_SIZE // 2 or 1
    pages = [
        ("admin job list", changelist),
        ("admin job list, state = failed", f"{changelist}?state__exact=failed"),
        ("gallery, first page", gallery),
        (f"gallery, page {middle}", f"{gallery}?page={middle}"),
    ]
    print(f"{'page':<34} {'median':>9} {'best':>9} {'queries (one run, ms executing)':>32}")
    for label, url in pages:
        median, best, queries, sql_ms, html = timed(staff if url.startswith("/admin") else owner, url, args.runs)
        print(f"{label:<34} {median:7.1f}ms {best:7.1f}ms {queries:14d} ({sql_ms:6.1f} ms)")
        if url.startswith(gallery):
            gallery_html = html
    print(f"\ngallery page links rendered (page {middle}): {page_links(gallery_html)}")


if __name__ == "__main__":
    main()
