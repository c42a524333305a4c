"""Staff review of jobs: read-only pipeline data, the event log, the video, and actions that
go through the same services as everything else."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from .services import lifecycle
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
    # The same three actions as buttons on a job's own page.
    change_form_template = "admin/jobs/job/change_form.html"
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
            if job.state not in lifecycle.RETRYABLE_STATES:
                skipped += 1
                continue
            try:
                lifecycle.retry_job(job.id, by=request.user.get_username())
            except lifecycle.RETRY_REFUSALS as exc:
                self.message_user(request, f"Job {job.id} was not retried: {exc}", messages.ERROR)
            else:
                retried += 1
        self.message_user(request, f"Started {retried} new attempt(s).", messages.SUCCESS if retried else messages.WARNING)
        if skipped:
            self.message_user(request, f"Skipped {skipped} job(s) that are completed or still running.", messages.WARNING)

    @admin.action(description="Cancel selected unfinished jobs")
    def cancel_jobs(self, request, queryset):
        cancelled = 0
        for job in queryset:
            _, moved = lifecycle.cancel_job(job.id, by=request.user.get_username())
            cancelled += moved
        self.message_user(request, f"Cancelled {cancelled} job(s).", messages.SUCCESS if cancelled else messages.WARNING)
        if skipped := queryset.count() - cancelled:
            self.message_user(request, f"{skipped} job(s) had already finished.", messages.WARNING)

    @admin.action(description="Mark selected jobs reviewed")
    def mark_jobs_reviewed(self, request, queryset):
        for job in queryset:
            lifecycle.mark_reviewed(job.id, by=request.user.get_username())
        self.message_user(request, f"Marked {len(queryset)} job(s) reviewed.", messages.SUCCESS)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "retryable_states": list(lifecycle.RETRYABLE_STATES)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        button = self.admin_site.admin_view
        return [
            path("<uuid:job_id>/retry/", button(require_POST(self.retry_button)), name="jobs_job_retry"),
            path("<uuid:job_id>/cancel/", button(require_POST(self.cancel_button)), name="jobs_job_cancel"),
            path("<uuid:job_id>/review/", button(require_POST(self.review_button)), name="jobs_job_review"),
        ] + super().get_urls()

    def _button_target(self, request, job_id):
        job = get_object_or_404(Job, pk=job_id)
        if not self.has_change_permission(request, job):
            raise PermissionDenied
        return job

    def _back_to(self, job):
        return redirect(reverse("admin:jobs_job_change", args=[job.pk]))

    def retry_button(self, request, job_id):
        job = self._button_target(request, job_id)
        if job.state not in lifecycle.RETRYABLE_STATES:
            self.message_user(request, "Only failed, cancelled or timed-out jobs can be retried.", messages.WARNING)
            return self._back_to(job)
        try:
            retry = lifecycle.retry_job(job.id, by=request.user.get_username())
        except lifecycle.RETRY_REFUSALS as exc:
            self.message_user(request, f"Not retried: {exc}", messages.ERROR)
            return self._back_to(job)
        self.message_user(request, f"Started a new attempt: job {retry.id}.", messages.SUCCESS)
        return redirect(reverse("admin:jobs_job_change", args=[retry.pk]))

    def cancel_button(self, request, job_id):
        job = self._button_target(request, job_id)
        _, cancelled = lifecycle.cancel_job(job.id, by=request.user.get_username())
        self.message_user(request, "Cancelled." if cancelled else "Not cancelled: the job has finished or its video is being stored.", messages.SUCCESS if cancelled else messages.WARNING)
        return self._back_to(job)

    def review_button(self, request, job_id):
        job = self._button_target(request, job_id)
        lifecycle.mark_reviewed(job.id, by=request.user.get_username())
        self.message_user(request, "Marked reviewed.", messages.SUCCESS)
        return self._back_to(job)

    # Deleting from the admin removes the stored files too, like deleting in the app.
    def delete_model(self, request, obj):
        lifecycle.delete_job(obj.pk)

    # No surrounding transaction: each delete may call fal (cancel), and holding the
    # database's write lock across network calls would stall the worker and webhooks.
    def delete_queryset(self, request, queryset):
        for job_id in queryset.values_list("pk", flat=True):
            lifecycle.delete_job(job_id)


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
