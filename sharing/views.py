"""The pages a share link opens for anyone (player, embeddable player, the video and its
still), and the owner's button that makes or revokes the link."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST, require_safe

from core.stored_files import stored_file_response
from jobs.models import Job

from . import services

# The owner's choices on the job page; the API takes any future time.
EXPIRY_CHOICES = {"never": None, "1": timedelta(days=1), "7": timedelta(days=7), "30": timedelta(days=30)}
# Only the embed may sit in another site's frame; every other page keeps frame-ancestors 'none'.
EMBED_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


def _link_or_404(token):
    link = services.live_link(token)
    if link is None:
        raise Http404("This link was revoked, has expired, or never existed.")
    return link


def _player_context(request, link):
    return {"link": link, "job": link.job, **services.share_urls(request, link)}


@require_safe
def player(request, token):
    link = _link_or_404(token)
    link.count_view()
    return render(request, "sharing/player.html", _player_context(request, link))


@require_safe
@xframe_options_exempt
@csp_override(EMBED_CSP)
def embed(request, token):
    link = _link_or_404(token)
    link.count_view()
    return render(request, "sharing/embed.html", _player_context(request, link))


@require_safe
def video(request, token):
    job = _link_or_404(token).job
    return stored_file_response(request, job.video, job.video_content_type or "video/mp4", "inline")


@require_safe
def poster(request, token):
    job = _link_or_404(token).job
    if not job.poster:
        raise Http404("This video has no still.")
    return stored_file_response(request, job.poster, "image/jpeg", "inline")


@login_required
@require_POST
def manage(request, job_id):
    """The job page's share form: make the link (with an expiry) or revoke it."""
    job = get_object_or_404(Job.objects.filter(user=request.user), pk=job_id)
    if request.POST.get("action") == "revoke":
        services.revoke(job)
        messages.success(request, "The share link is revoked; it no longer opens.")
    elif (choice := request.POST.get("expires", "never")) in EXPIRY_CHOICES:
        lasts = EXPIRY_CHOICES[choice]
        try:
            services.share(job, expires_at=timezone.now() + lasts if lasts else None)
        except services.NotShareable as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Anyone with the link below can watch this video.")
    else:
        messages.error(request, "Choose how long the link should last.")
    return redirect("avatars:job", job_id=job.id)
