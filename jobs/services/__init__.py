"""Actions that change jobs, one module per concern.

- `submission`: create a job and submit it to fal, exactly once per intended attempt.
- `fal_requests`: what fal tells us about a job's request: its id, its end, its cancel.
- `tracking`: following a submitted request: polls, status answers, webhooks.
- `ingest`: storing fal's video in our storage and completing the job.
- `deadlines`: the 12-minute budget.
- `lifecycle`: what people do to jobs: cancel, retry, review, delete; and recovery.
- `assets`: input files kept in fal storage for reuse.
- `inputs`: inputs given by URL or data: URI, checked and (audio) measured before a job exists.

Every state change goes through `jobs.state.transition`, and background work is queued
through `jobs.queue`. The job row is the truth; tasks only wake these functions up, and
each re-reads the row and decides from what it finds, so running any of them twice, late,
or after a crash is harmless.
"""
