"""Staff review of jobs: read-only pipeline data, the event log, the video, and actions that
go through the same services as everything else."""

from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from . import services
from .models import Asset, Job, JobEvent


class JobEventInline(admin.TabularInline):
    model = JobEvent
    fields = ("created_at", "kind", "from_state", "to_state", "message", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "Event log"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "id", "state", "user", "model_label", "duration", "created_at", "finished_at", "request_id", "reviewed",
    )
    list_filter = ("state", "endpoint_id", "created_at", "user", ("reviewed_at", admin.EmptyFieldListFilter))
    search_fields = ("=id", "request_id", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ("retry_jobs", "cancel_jobs", "mark_jobs_reviewed")
    inlines = (JobEventInline,)
    fieldsets = (
        ("Job", {"fields": ("id", "user", "endpoint_id", "state", "error", "error_type", "reviewed_at")}),
        ("Video", {"fields": ("video_player", "video", "poster", "video_duration", "video_size", "video_content_type")}),
        ("Inputs", {"fields": ("prompt", "image_url", "audio_url", "image_file", "audio_file", "audio_duration")}),
        (
            "fal request",
            {
                "fields": (
                    "request_id", "submit_attempts", "submit_started_at", "queue_position", "logs", "fal_finished_at",
                    "fal_output", "ingest_started_at", "next_poll_at", "status_polls", "cancel_requested_at",
                )
            },
        ),
        ("Timeline", {"fields": ("created_at", "queued_at", "started_at", "finished_at")}),
    )

    # The pipeline owns every field; staff act through the actions below.
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Job._meta.fields] + ["video_player"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Model", ordering="endpoint_id")
    def model_label(self, job):
        return job.model_label

    @admin.display(description="Duration", ordering="video_duration")
    def duration(self, job):
        return f"{job.video_duration:.1f} s" if job.video_duration else "—"

    @admin.display(description="Reviewed", boolean=True, ordering="reviewed_at")
    def reviewed(self, job):
        return job.reviewed_at is not None

    @admin.display(description="Player")
    def video_player(self, job):
        if not job.video:
            return "No video stored."
        poster = job.poster.url if job.poster else ""
        size = f" · {filesizeformat(job.video_size)}" if job.video_size else ""
        return format_html(
            '<video controls preload="metadata" src="{}" poster="{}" style="max-width: 480px; width: 100%; background: #000"></video>'
            '<br><a href="{}">Open the MP4</a>{}',
            job.video.url, poster, job.video.url, size,
        )

    @admin.action(description="Retry selected failed jobs (as new attempts)")
    def retry_jobs(self, request, queryset):
        # A completed job is never re-run by accident from a broad selection: it would cost again.
        retried = skipped = 0
        for job in queryset:
            if job.state in services.RETRYABLE_STATES:
                services.retry_job(job.id, by=request.user.get_username())
                retried += 1
            else:
                skipped += 1
        self.message_user(request, f"Started {retried} new attempt(s).", messages.SUCCESS if retried else messages.WARNING)
        if skipped:
            self.message_user(request, f"Skipped {skipped} job(s) that are completed or still running.", messages.WARNING)

    @admin.action(description="Cancel selected unfinished jobs")
    def cancel_jobs(self, request, queryset):
        cancelled = 0
        for job in queryset:
            _, moved = services.cancel_job(job.id, by=request.user.get_username())
            cancelled += moved
        self.message_user(request, f"Cancelled {cancelled} job(s).", messages.SUCCESS if cancelled else messages.WARNING)
        if skipped := queryset.count() - cancelled:
            self.message_user(request, f"{skipped} job(s) had already finished.", messages.WARNING)

    @admin.action(description="Mark selected jobs reviewed")
    def mark_jobs_reviewed(self, request, queryset):
        for job in queryset:
            services.mark_reviewed(job.id, by=request.user.get_username())
        self.message_user(request, f"Marked {len(queryset)} job(s) reviewed.", messages.SUCCESS)

    # Deleting from the admin removes the stored files too, like deleting in the app.
    def delete_model(self, request, obj):
        services.delete_job(obj.pk)

    # No surrounding transaction: each delete may call fal (cancel), and holding the
    # database's write lock across network calls would stall the worker and webhooks.
    def delete_queryset(self, request, queryset):
        for job_id in queryset.values_list("pk", flat=True):
            services.delete_job(job_id)


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("sha256_short", "kind", "user", "content_type", "size", "duration", "created_at")
    list_filter = ("kind", "created_at")
    search_fields = ("sha256", "user__username", "fal_url")
    list_select_related = ("user",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Asset._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="SHA-256", ordering="sha256")
    def sha256_short(self, asset):
        return asset.sha256[:12]
