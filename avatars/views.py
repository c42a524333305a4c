"""Browser pages: thin views that validate, call one jobs service, and render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from batches import services as batches
from credits import services as credits
from limits.counters import Rate, hit
from jobs.services import admission, lifecycle, submission
from jobs.registry import MODELS

from . import selectors
from .forms import AvatarForm, BatchForm, GalleryFilterForm, SignUpForm
from .progress import progress_for

GALLERY_PAGE_SIZE = 12


def home(request):
    if request.user.is_authenticated:
        return redirect("avatars:gallery")
    return render(request, "avatars/home.html", {"max_audio_seconds": settings.MAX_AUDIO_SECONDS})


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("avatars:create")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}! Make your first talking avatar.")
        return redirect("avatars:create")
    return render(request, "registration/signup.html", {"form": form})


def _refused_for_speed(request, form) -> bool:
    """A create form posted over the user's rate: the form keeps what was typed and says
    when to try again (the single and the batch form share one rate)."""
    wait = hit(f"create_form:{request.user.pk}", Rate.parse(settings.THROTTLE_RATES["create_form"]))
    if wait:
        form.is_valid()  # keep what was typed on the page
        form.add_error(None, f"You're creating jobs too quickly; try again in {wait} seconds.")
    return bool(wait)


def _live_fragment(template, context, request, **state):
    """The live part of a page, for its polling script: rendered HTML and what it shows."""
    response = JsonResponse({**state, "html": render_to_string(template, context, request=request)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def create(request):
    form = AvatarForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and _refused_for_speed(request, form):
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            job = submission.create_job(user=request.user, **form.job_arguments())
        except (admission.TooManyActiveJobs, credits.InsufficientCredits) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Job created. This page follows it live; no need to reload.")
            return redirect("avatars:job", job_id=job.id)
    prices = {key: str(model.price_per_second) for key, model in MODELS.items()}
    credit_prices = {key: model.credits_per_second for key, model in MODELS.items()}
    balance = credits.account_for(request.user).balance
    context = {"form": form, "prices": prices, "credit_prices": credit_prices, "balance": balance}
    return render(request, "avatars/create.html", context, status=status)


def _status_context(job):
    return {"job": job, "progress": progress_for(job)}


@login_required
def job_detail(request, job_id):
    job = selectors.owned_job(request.user, job_id)
    return render(request, "avatars/job_detail.html", _status_context(job))


@login_required
def job_status(request, job_id):
    """The live part of the job page, for the page's polling script."""
    job = selectors.owned_job(request.user, job_id)
    return _live_fragment("avatars/_job_status.html", _status_context(job), request, state=job.state, finished=job.is_finished)


@login_required
@require_POST
def job_cancel(request, job_id):
    job = selectors.owned_job(request.user, job_id)
    job, cancelled = lifecycle.cancel_job(job.id, by=request.user.get_username())
    if cancelled:
        messages.success(request, "The job was cancelled.")
    elif job.is_finished:
        messages.info(request, f"The job had already finished ({job.get_state_display().lower()}).")
    else:
        messages.info(request, "Too late to cancel: your video is ready and being saved.")
    return redirect("avatars:job", job_id=job.id)


@login_required
def job_delete(request, job_id):
    job = selectors.owned_job(request.user, job_id)
    if request.method == "POST":
        lifecycle.delete_job(job.id)
        messages.success(request, "The video and its files were deleted.")
        return redirect("avatars:gallery")
    return render(request, "avatars/job_confirm_delete.html", {"job": job})


@login_required
def gallery(request):
    filters = GalleryFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = Paginator(selectors.gallery_jobs(request.user, status), GALLERY_PAGE_SIZE).get_page(request.GET.get("page"))
    # The first and last pages and two either side of this one: a long history would
    # otherwise render a link for every page.
    page_links = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    base_query = f"status={status}&" if status else ""
    context = {
        "page": page, "page_links": page_links, "filters": filters, "status": status,
        "base_query": base_query, "create_url": reverse("avatars:create"),
    }
    return render(request, "avatars/gallery.html", context)


@login_required
def batch_create(request):
    form = BatchForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and _refused_for_speed(request, form):
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            batch = batches.create_batch(user=request.user, **form.batch_arguments())
        except credits.InsufficientCredits as exc:
            form.add_error(None, f"{exc} You are {exc.shortfall} credits short.")
        else:
            messages.success(request, f"Batch of {batch.items.count()} created. This page follows every item live.")
            return redirect("avatars:batch", batch_id=batch.id)
    context = {"form": form, "balance": credits.account_for(request.user).balance}
    return render(request, "avatars/batch_create.html", context, status=status)


BATCH_STATUS_LABELS = {
    "queued": "Waiting", "running": "Running", "completed": "Completed", "partially_completed": "Partly completed", "failed": "Failed",
}


def _batch_context(batch):
    items = [(job, progress_for(job)) for job in batch.jobs.annotate(position=F("batch_item__position"))]
    totals = batch.totals()
    status = batch.status_from(totals)
    return {"batch": batch, "items": items, "totals": totals, "status": status, "status_label": BATCH_STATUS_LABELS[status]}


@login_required
def batch_detail(request, batch_id):
    batch = selectors.owned_batch(request.user, batch_id)
    return render(request, "avatars/batch_detail.html", _batch_context(batch))


@login_required
def batch_status(request, batch_id):
    """The live part of the batch page, for the page's polling script."""
    batch = selectors.owned_batch(request.user, batch_id)
    return _live_fragment("avatars/_batch_items.html", _batch_context(batch), request, finished=batch.finished_at is not None)
