"""The objects the v1 API's documented examples show (api/api_schema.py): one user's job,
batch, file, token and webhook endpoint, consistent with each other, as the API renders them.

tests/api/test_schema.py checks each against its schema, and the example archive
(static/api/examples/batch-archive.zip) against FINISHED_BATCH's items.
"""

from api.seed import schema as seed

API = "https://studio.example.com/api/v1"
JOB_ID = seed.JOB_ID
BATCH_ID = "0b6f3f0e-2d1c-4b8e-9f57-3a6c1e9d2b40"
ENDPOINT_ID = "9d2c7a51-6f0e-4a3b-8c1d-5e7f9a0b2c34"
CREATED = "2026-11-25T10:00:00Z"
VIDEO = {
    "url": f"https://studio.example.com/media/videos/3/{JOB_ID}/output.mp4?expires=1764068670&signature=oZJ3Yb0Gf2gWmC8Rk1xq0s5v4QJw2nH7dT9eUaLpKcE",
    "content_type": "video/mp4",
    "file_name": "output.mp4",
    "file_size": 1843200,
}
PRO = {
    "key": "kling-avatar-pro",
    "label": "Kling AI Avatar Pro",
    "endpoint_id": "fal-ai/kling-video/v1/pro/ai-avatar",
    "params": {},
}
NO_TIMINGS = {
    "created_at": CREATED,
    "submitted_at": None,
    "queued_at": None,
    "started_at": None,
    "finished_at": None,
    "waited_seconds": None,
    "ran_seconds": None,
    "total_seconds": None,
}
PENDING_JOB = {
    "id": JOB_ID,
    "url": f"{API}/jobs/{JOB_ID}",
    "title": "welcome.mp3",
    "status": "pending",
    "status_detail": "waiting for a free slot (2 ahead)",
    "waiting_ahead": 2,
    "queue_position": None,
    "model": PRO,
    "prompt": "Warm, friendly",
    "script": "",
    "voice": "",
    "request_id": None,
    "logs": [],
    "error": "",
    "error_type": "",
    "timings": NO_TIMINGS,
    "cost": {"credits_held": 1426, "credits_charged": 0, "settled": False},
    "output": None,
    "batch": None,
    "segments": [],
    "segment_progress": None,
    "created_at": CREATED,
}
COMPLETED_JOB = PENDING_JOB | {
    "status": "completed",
    "status_detail": "completed",
    "waiting_ahead": None,
    "request_id": seed.REQUEST_ID,
    "logs": [
        {"timestamp": "2026-11-25T10:00:12Z", "message": "Rendering frames"},
        {"timestamp": "2026-11-25T10:04:28Z", "message": "Done"},
    ],
    "timings": {
        "created_at": CREATED,
        "submitted_at": "2026-11-25T10:00:00.4Z",
        "queued_at": "2026-11-25T10:00:01Z",
        "started_at": "2026-11-25T10:00:09Z",
        "finished_at": "2026-11-25T10:04:30Z",
        "waited_seconds": 9.0,
        "ran_seconds": 261.0,
        "total_seconds": 270.0,
    },
    "cost": {"credits_held": 1426, "credits_charged": 1426, "settled": True},
    "output": {
        "video": VIDEO,
        "duration": 12.4,
        "poster_url": f"https://studio.example.com/media/videos/3/{JOB_ID}/poster.jpg?expires=1764068670&signature=Hq2xv8mS0cN4bT1zYw6rJ5uE3kA9fL7gP2dQiVoXnB0",
    },
}
CANCELLED_JOB = PENDING_JOB | {
    "status": "cancelled",
    "status_detail": "cancelled",
    "waiting_ahead": None,
    "error": "Cancelled at your request.",
    "error_type": "cancelled",
    "timings": NO_TIMINGS | {"finished_at": "2026-11-25T10:00:05Z", "total_seconds": 5.0},
    "cost": {"credits_held": 1426, "credits_charged": 0, "settled": True},
}
FILE = {
    "id": 42,
    "url": f"{API}/files/42",
    "file_url": "https://v3.fal.media/files/rabbit/9f86d081884c7d659a2f_speech.mp3",
    "file_name": "speech.mp3",
    "kind": "audio",
    "content_type": "audio/mpeg",
    "file_size": 48213,
    "duration": 3.2,
    "expires_at": "2026-12-02T09:58:00Z",
    "created_at": "2026-11-25T09:58:00Z",
}
TOTALS = {
    "total": 3,
    "queued": 1,
    "running": 1,
    "completed": 1,
    "failed": 0,
    "cancelled": 0,
    "credits_held": 4278,
    "credits_charged": 1426,
}
RUNNING_BATCH = {
    "id": BATCH_ID,
    "url": f"{API}/batches/{BATCH_ID}",
    "status": "running",
    "model": PRO["endpoint_id"],
    "prompt": "",
    "totals": TOTALS,
    "archive_url": None,
    "created_at": CREATED,
    "finished_at": None,
}
FINISHED_BATCH = RUNNING_BATCH | {
    "status": "partially_completed",
    "totals": TOTALS | {"queued": 0, "running": 0, "completed": 2, "failed": 1, "credits_charged": 2852},
    "archive_url": f"{API}/batches/{BATCH_ID}/archive",
    "finished_at": "2026-11-25T10:09:41Z",
}
# The items' titles (the batch JSON does not carry them): the example archive's members are named by them.
ITEM_TITLES = ["welcome.mp3", "pricing.mp3", "goodbye.mp3"]
ITEM_JOBS = [JOB_ID, "a1c9e3b7-5d2f-4e8a-b6c0-7f1d3e5a9b24", "c4e8a2f6-1b3d-4c7e-9a5f-2d6b8e0c1a37"]


def batch_items(*statuses):
    return [
        {
            "position": position,
            "job": job,
            "status": status,
            "url": f"{API}/jobs/{job}",
            "error": "The model failed: Could not detect a face in the image" if status == "failed" else None,
        }
        for position, (job, status) in enumerate(zip(ITEM_JOBS, statuses))
    ]


TOKEN = {
    "id": 7,
    "url": f"{API}/tokens/7",
    "name": "ci",
    "prefix": "avs_Qm3xTp",
    "created_at": CREATED,
    "last_used_at": "2026-11-25T11:30:00Z",
    "revoked_at": None,
}
WEBHOOK_ENDPOINT = {
    "id": ENDPOINT_ID,
    "url": "https://hooks.example.com/avatar-studio",
    "description": "Order system",
    "events": ["job.completed", "job.failed"],
    "enabled": True,
    "disabled_at": None,
    "disabled_reason": "",
    "created_at": CREATED,
}
SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6Xn8Qp0hLuE="
MESSAGE_ID = "msg_2b7Qk9XwLm4Rt8Yp1Zc6Vn3H"
DELIVERY = {
    "id": 311,
    "message_id": MESSAGE_ID,
    "event_type": "job.completed",
    "url": WEBHOOK_ENDPOINT["url"],
    "state": "succeeded",
    "attempt_count": 1,
    "next_attempt_at": None,
    "note": "",
    "created_at": "2026-11-25T10:04:30Z",
    "payload": {
        "type": "job.completed",
        "timestamp": "2026-11-25T10:04:30Z",
        "data": {
            "id": JOB_ID,
            "status": "completed",
            "model": PRO["endpoint_id"],
            "request_id": seed.REQUEST_ID,
            "created_at": CREATED,
            "queued_at": "2026-11-25T10:00:01Z",
            "started_at": "2026-11-25T10:00:09Z",
            "finished_at": "2026-11-25T10:04:30Z",
            "error": None,
            "error_type": None,
            "video": VIDEO | {"duration": 12.4},
        },
    },
    "attempts": [
        {
            "attempted_at": "2026-11-25T10:04:31Z",
            "status_code": 200,
            "error": "",
            "latency_ms": 84,
            "response_snippet": "ok",
        }
    ],
}
REDELIVERY = DELIVERY | {
    "id": 342,
    "state": "pending",
    "attempt_count": 0,
    "next_attempt_at": "2026-11-25T12:00:00Z",
    "created_at": "2026-11-25T12:00:00Z",
    "attempts": [],
}

SHARE_LINK = {
    "url": "https://avatars.example.com/s/pO4y2bF8n1Xc6Tq9LmZr0A_K",
    "embed_url": "https://avatars.example.com/s/pO4y2bF8n1Xc6Tq9LmZr0A_K/embed",
    "expires_at": "2026-12-14T09:30:00Z",
    "views": 0,
    "created_at": "2026-12-07T09:30:00Z",
}
