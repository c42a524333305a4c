"""Staff review of jobs: read-only pipeline data, the event log, the video, and actions that
go through the same services as everything else."""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consent import services as consent

from .models import Asset, Job
from .previews import job_previews
from .registry import MODELS
from .services import lifecycle, portraits


class ModelFilter(admin.SimpleListFilter):
    """The models in the registry; a filter on the column itself would ask the database for
    every distinct endpoint (a scan of the whole table) on each page load."""

    title = "model"
    parameter_name = "endpoint_id"

    def lookups(self, request, model_admin):
        return [(model.endpoint_id, model.label) for model in MODELS.values()]

    def queryset(self, request, queryset):
        return queryset.filter(endpoint_id=self.value()) if self.value() else queryset


class UserFilter(admin.SimpleListFilter):
    """One user's jobs, picked from a username in the list (or searched for). The sidebar
    shows only the user picked: a list of every user grows with the site."""

    title = "user"
    parameter_name = "user__id__exact"

    def lookups(self, request, model_admin):
        picked = self.value()
        user = (
            get_user_model().objects.filter(pk=picked).first()
            if picked and picked.isascii() and picked.isdigit()
            else None
        )
        return [(str(user.pk), user.get_username())] if user else []

    def queryset(self, request, queryset):
        return queryset.filter(user_id=self.value()) if self.value() else queryset


class JobChangeList(ChangeList):
    # The columns the list shows (and what the actions read): fal's logs and output alone
    # can be kilobytes a row, and the list never shows them.
    columns = (
        "id",
        "title",
        "state",
        "user",
        "user__username",
        "endpoint_id",
        "video_duration",
        "audio_duration",
        "delivered_longer_than_priced",
        "created_at",
        "finished_at",
        "request_id",
        "reviewed_at",
    )

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).only(*self.columns)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "title_column",
        "state",
        "user_link",
        "model_label",
        "duration",
        "created_at",
        "finished_at",
        "request_id",
        "reviewed",
    )
    list_display_links = ("short_id",)
    # Every filter here is a fixed list of links: none of them queries the whole table to
    # build itself (a date_hierarchy's SELECT DISTINCT or a list of all users would, on
    # every page load).
    list_filter = (
        "state",
        ModelFilter,
        "created_at",
        UserFilter,
        ("reviewed_at", admin.EmptyFieldListFilter),
        "delivered_longer_than_priced",
    )
    # Exact matches, each answered by an index (see get_search_results): a substring search
    # (LIKE '%...%') reads every job, a third of a second at 100,000.
    search_fields = ("=id", "=request_id", "=user__username")
    search_help_text = "A job id, a fal request id or a username, in full."
    list_select_related = ("user",)
    # Otherwise each page load counts the whole table a second time, for "(N total)".
    show_full_result_count = False
    # Drawing a row costs more than finding it: half a millisecond, in admin templates.
    list_per_page = 50
    ordering = ("-created_at",)
    actions = ("retry_jobs", "cancel_jobs", "mark_jobs_reviewed", "block_portraits")
    # The same three actions as buttons on a job's own page, which also previews the video
    # and both inputs side by side and lists the model's log and the job's events one line
    # each (see render_change_form).
    change_form_template = "admin/jobs/job/change_form.html"
    fieldsets = (
        ("Job", {"fields": ("id", "user", "endpoint_id", "title", "state", "error", "error_type", "reviewed_at")}),
        (
            "Video",
            {
                "fields": (
                    "video",
                    "poster",
                    "video_duration",
                    "delivered_longer_than_priced",
                    "video_size",
                    "video_content_type",
                )
            },
        ),
        ("Inputs", {"fields": ("prompt", "image_url", "audio_url", "image_file", "audio_file", "audio_duration")}),
        ("Consent", {"fields": ("portrait_consent", "portrait_blocked")}),
        (
            "fal request",
            {
                "fields": (
                    "fal_origin",
                    "request_id",
                    "submit_attempts",
                    "submit_started_at",
                    "queue_position",
                    "fal_finished_at",
                    "fal_output_json",
                    "ingest_started_at",
                    "next_poll_at",
                    "status_polls",
                    "cancel_requested_at",
                )
            },
        ),
        ("Timeline", {"fields": ("created_at", "queued_at", "started_at", "finished_at")}),
    )

    def get_changelist(self, request, **kwargs):
        return JobChangeList

    def get_search_results(self, request, queryset, search_term):
        """The jobs of the user the term names, else the job whose id or fal request id it
        is. (Django's "=" lookups compare in any case, UPPER() on both sides, which no index
        on the plain column answers; and a user's jobs read from their own index come out
        newest first, where an OR with the other columns would gather them all to sort.)"""
        term = search_term.strip()
        if not term:
            return queryset, False
        user_id = get_user_model().objects.filter(username=term).values_list("pk", flat=True).first()
        if user_id is not None:
            return queryset.filter(user_id=user_id), False
        found = Q(request_id=term)
        try:
            found |= Q(pk=uuid.UUID(term))
        except ValueError:
            pass
        return queryset.filter(found), False

    # The pipeline owns every field; staff act through the actions below.
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Job._meta.fields] + ["fal_output_json", "portrait_consent", "portrait_blocked"]

    def has_add_permission(self, request):
        return False

    def action_checkbox(self, job):
        # Django's own renders a form widget through the template engine for every row, a
        # fifth of the list's time; this is the same markup, written out.
        label = format_html(_("Select this object for an action - {}"), str(job))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            job.pk,
            label,
        )

    @admin.display(description="ID", ordering="id")
    def short_id(self, job):
        # Eight characters tell jobs apart on a page; the whole id wrapped over four lines and
        # pushed the times off a laptop screen. It is in the tooltip, and search takes it.
        return format_html('<span title="{}">{}</span>', job.pk, str(job.pk)[:8])

    @admin.display(description="Title", ordering="title")
    def title_column(self, job):
        # Staff know a job by what its owner calls it; a long title is cut so rows stay one line.
        return format_html('<span title="{}">{}</span>', job.display_title, Truncator(job.display_title).chars(40))

    @admin.display(description="User", ordering="user")
    def user_link(self, job):
        # Filtering by a user starts here, from one of their jobs.
        return format_html(
            '<a href="?{}={}" title="Only this user\'s jobs">{}</a>',
            UserFilter.parameter_name,
            job.user_id,
            job.user.get_username(),
        )

    @admin.display(description="Model", ordering="endpoint_id")
    def model_label(self, job):
        return job.model_label

    @admin.display(description="Duration", ordering="video_duration")
    def duration(self, job):
        if not job.video_duration:
            return "—"
        if job.delivered_longer_than_priced:
            return f"{job.video_duration:.1f} s (priced {job.audio_duration or 0:.1f} s)"
        return f"{job.video_duration:.1f} s"

    @admin.display(description="Reviewed", boolean=True, ordering="reviewed_at")
    def reviewed(self, job):
        return job.reviewed_at is not None

    @admin.display(description="fal output")
    def fal_output_json(self, job):
        if job.fal_output is None:
            return "—"
        # Collapsed: it is kilobytes of JSON that matter only when the video is wrong.
        return format_html(
            '<details class="job-fal-output"><summary>Show the JSON fal returned</summary><pre>{}</pre></details>',
            json.dumps(job.fal_output, indent=2, sort_keys=True),
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
        self.message_user(
            request, f"Started {retried} new attempt(s).", messages.SUCCESS if retried else messages.WARNING
        )
        if skipped:
            self.message_user(
                request, f"Skipped {skipped} job(s) that are completed or still running.", messages.WARNING
            )

    @admin.action(description="Cancel selected unfinished jobs")
    def cancel_jobs(self, request, queryset):
        cancelled = 0
        for job in queryset:
            try:
                _, moved = lifecycle.cancel_job(job.id, by=request.user.get_username())
            except Job.DoesNotExist:
                continue  # deleted meanwhile
            cancelled += moved
        self.message_user(
            request, f"Cancelled {cancelled} job(s).", messages.SUCCESS if cancelled else messages.WARNING
        )
        if skipped := queryset.count() - cancelled:
            self.message_user(request, f"{skipped} job(s) had already finished.", messages.WARNING)

    @admin.display(description="Uploader's confirmation")
    def portrait_consent(self, job):
        """Who confirmed they may use the face, when, from where, and the words they agreed to."""
        agreed = consent.consents_for_job(job.id).first()
        if agreed is None:
            return "None recorded."
        where = f" from {agreed.ip_address}" if agreed.ip_address else ""
        return f"{agreed.user.get_username()} on {agreed.agreed_at:%Y-%m-%d %H:%M} UTC{where}: “{agreed.text}”"

    @admin.display(description="Portrait blocked", boolean=True)
    def portrait_blocked(self, job):
        digest = portraits.portrait_sha256(job)
        return bool(digest) and consent.is_blocked(digest)

    @admin.action(description="Block the portraits of selected jobs (refused at every door from now on)")
    def block_portraits(self, request, queryset):
        blocked = sum(portraits.block_portrait_of(job, by=request.user) for job in queryset)
        self.message_user(request, f"Blocked {blocked} portrait(s).", messages.SUCCESS)
        if unknown := len(queryset) - blocked:
            self.message_user(
                request,
                f"{unknown} job(s) had a hosted portrait we never fetched: nothing to block.",
                messages.WARNING,
            )

    @admin.action(description="Mark selected jobs reviewed")
    def mark_jobs_reviewed(self, request, queryset):
        for job in queryset:
            lifecycle.mark_reviewed(job.id, by=request.user.get_username())
        self.message_user(request, f"Marked {len(queryset)} job(s) reviewed.", messages.SUCCESS)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "retryable_states": list(lifecycle.RETRYABLE_STATES)}
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                previews=job_previews(obj, request),
                video_size=filesizeformat(obj.video_size) if obj.video_size else "",
                log_lines=log_lines(obj.logs),
                events=[(event, _one_line_json(event.data)) for event in obj.events.all()],
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

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
        self.message_user(
            request,
            "Cancelled." if cancelled else "Not cancelled: the job has finished or its video is being stored.",
            messages.SUCCESS if cancelled else messages.WARNING,
        )
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
            try:
                lifecycle.delete_job(job_id)
            except Job.DoesNotExist:
                pass  # deleted meanwhile (by its owner, or another tab)


def _one_line_json(data):
    return json.dumps(data, separators=(", ", ": "), sort_keys=True) if data else ""


@dataclass(frozen=True)
class LogLine:
    time: str  # local time of day to the millisecond (lines come fast), or the stamp as sent
    datetime: str  # for <time datetime>: the stamp if it is one
    level: str
    message: str


def log_lines(logs) -> list[LogLine]:
    """fal's log entries as lines to read; an entry that is not the usual
    {timestamp, message, level} object is shown as it came."""
    lines = []
    for entry in logs or []:
        if not isinstance(entry, dict):
            lines.append(LogLine("", "", "", entry if isinstance(entry, str) else json.dumps(entry)))
            continue
        stamp = str(entry.get("timestamp") or "")
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            time, valid_stamp = stamp, ""
        else:
            time, valid_stamp = (
                (timezone.localtime(moment) if timezone.is_aware(moment) else moment).strftime("%H:%M:%S.%f")[:-3],
                stamp,
            )
        lines.append(LogLine(time, valid_stamp, str(entry.get("level") or ""), str(entry.get("message") or "")))
    return lines


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
