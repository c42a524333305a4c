"""Browser pages: thin views that validate, call one jobs service, and render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from batches import services as batches
from core.event_streams import event_stream_response
from core.ranged_files import ranged_file_response
from credits import services as credits
from jobs.models import Job
from jobs.registry import MODELS, InvalidModelParameters
from jobs.services import admission, lifecycle, submission
from jobs.services.watching import note_watched
from limits import streams
from limits.counters import Rate, hit

from . import downloads, example, live, selectors
from .forms import AvatarForm, BatchForm, GalleryFilterForm, JobTitleForm, agreement, page_limits
from .progress import progress_for

GALLERY_PAGE_SIZE = 12
# A cancel or delete that lost a race with another tab's delete.
DELETED_MEANWHILE = "That video was deleted meanwhile."


def home(request):
    if request.user.is_authenticated:
        return redirect("avatars:gallery")
    context = {
        "max_audio_seconds": settings.MAX_AUDIO_SECONDS,
        "example_exists": example.example_exists(),
        "example_prompt": example.EXAMPLE_PROMPT,
    }
    return render(request, "avatars/home.html", context)


@require_safe
def example_file(request, name):
    """The home page's example video or its poster (public: made from the bundled samples)."""
    path = example.example_path(name)
    if path is None:
        raise Http404("The example has not been made (manage.py make_example_video).")
    return ranged_file_response(request, path)


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
    return _never_stored(JsonResponse({**state, "html": render_to_string(template, context, request=request)}))


def _never_stored(response):
    response["Cache-Control"] = "no-store"
    return response


def _pricing_and_limits():
    """What a create form's script needs: each model's price as an exact decimal and in
    credits (it computes the estimate by the server's rule) and the media limits."""
    return {
        "prices": {key: f"{model.price_per_second:f}" for key, model in MODELS.items()},
        "credit_prices": {key: model.credits_per_second for key, model in MODELS.items()},
        "limits": page_limits(),
    }


@login_required
def create(request):
    # The portrait of an earlier job (`?portrait=<job id>`, kept in the form as it is posted).
    asked_portrait = request.POST.get("portrait") or request.GET.get("portrait")
    portrait_job = selectors.portrait_job(request.user, asked_portrait) if asked_portrait else None
    if asked_portrait and portrait_job is None:
        messages.warning(
            request,
            "That earlier portrait is not available (the video was deleted or is not yours); choose a portrait below.",
        )
    form = AvatarForm(request.POST or None, request.FILES or None, portrait_job=portrait_job, user=request.user)
    status = 200
    if request.method == "POST" and _refused_for_speed(request, form):
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            job = submission.create_job(user=request.user, agreement=agreement(form, request), **form.job_arguments())
        except (admission.TooManyActiveJobs, credits.InsufficientCredits) as exc:
            form.add_error(None, str(exc))
        else:
            form.forget_kept_files()
            # Tagged so the job page can take it away once the job has finished (job.js).
            messages.success(
                request, "Job created. This page follows it live; no need to reload.", extra_tags="job-created"
            )
            return redirect("avatars:job", job_id=job.id)
    if request.method == "POST":
        form.kept_valid_files()  # what was valid is shown as chosen, not asked for again
    context = {
        "form": form,
        "balance": credits.account_for(request.user).balance,
        **_pricing_and_limits(),
        "chosen_model": form.chosen_model(),
        "portrait_job": portrait_job,
    }
    return render(request, "avatars/create.html", context, status=status)


@login_required
@require_safe
def estimate(request):
    """What videos as long as the given clips (`?seconds=4.04&seconds=12.5`, one per video)
    would cost with each model, by the server's one rule (credits.prices), beside the
    balance: the create and batch pages ask here instead of repeating the rule."""
    try:
        lengths = [float(value) for value in request.GET.getlist("seconds")]
    except ValueError:
        lengths = []
    if not 0 < len(lengths) <= settings.MAX_BATCH_SIZE or not all(0 < seconds <= 24 * 3600 for seconds in lengths):
        detail = f"Give 1 to {settings.MAX_BATCH_SIZE} lengths in seconds (seconds=…), each a positive number."
        return JsonResponse({"detail": detail, "code": "invalid"}, status=400)
    try:
        models = {key: _model_estimate(model, lengths, request.GET) for key, model in MODELS.items()}
    except InvalidModelParameters as exc:
        return JsonResponse({"detail": str(exc), "code": "invalid", "errors": exc.errors}, status=400)
    return JsonResponse({"seconds": lengths, "models": models, "balance": credits.account_for(request.user).balance})


def _model_estimate(model, lengths, query) -> dict:
    """One model's cost for the clips with the parameters given in the query (`resolution=720p`;
    each model reads only its own), its audio range with them, and why a clip would be refused."""
    params = model.clean_params(
        {parameter.name: query[parameter.name] for parameter in model.parameters if query.get(parameter.name)}
    )
    low, high = model.audio_limits(params)
    problems = [problem for seconds in lengths if (problem := model.audio_problem(seconds, params))]
    return {
        "credits": sum(model.estimate_credits(seconds, params) for seconds in lengths),
        "dollars": f"{sum(model.estimate_cost(seconds) for seconds in lengths):f}",
        "params": params,
        "min_seconds": low,
        "max_seconds": high,
        "problem": problems[0] if problems else "",
    }


def _job_page(request, job, title_form=None):
    context = {
        "job": job,
        "panel": live.job_panel(job, request),
        "batch": selectors.batch_of(job),
        "title_form": title_form or JobTitleForm(initial={"title": job.display_title}),
    }
    return render(request, "avatars/job_detail.html", context)


@login_required
def job_detail(request, job_id):
    return _job_page(request, selectors.owned_job(request.user, job_id))


@login_required
def job_status(request, job_id):
    """The live part of the job page, for the page's polling script (when events can't be had)."""
    job = selectors.owned_job(request.user, job_id)
    note_watched(job)
    return _never_stored(JsonResponse(live.job_panel(job, request)))


@login_required
def job_events(request, job_id):
    """The live part of the job page, pushed as server-sent events while the job runs."""
    job = selectors.owned_job(request.user, job_id)
    try:
        stream = live.job_event_stream(job, request)
    except streams.TooManyStreams as exc:
        # EventSource gives up on any answer but 200 (the page then polls); the body is for people.
        return _never_stored(JsonResponse({"detail": str(exc), "code": streams.ERROR_CODE}, status=429))
    if stream is None:
        return _never_stored(HttpResponse(status=204))  # EventSource stops; the page polls instead
    return _never_stored(event_stream_response(request, stream))


@login_required
@require_POST
def job_title(request, job_id):
    job = selectors.owned_job(request.user, job_id)
    form = JobTitleForm(request.POST)
    if not form.is_valid():
        return _job_page(request, job, title_form=form)  # shown again, with the reason, like any refused form
    lifecycle.rename_job(job.id, form.cleaned_data["title"])
    messages.success(request, "Title saved.")
    return redirect("avatars:job", job_id=job.id)


@login_required
@require_POST
def job_cancel(request, job_id):
    job = selectors.owned_job(request.user, job_id)
    try:
        job, cancelled = lifecycle.cancel_job(job.id, by=request.user.get_username())
    except Job.DoesNotExist:
        messages.info(request, DELETED_MEANWHILE)
        return redirect("avatars:gallery")
    if cancelled:
        messages.success(request, "The job was cancelled.")
    elif job.is_finished:
        messages.info(request, f"The job had already finished ({job.get_state_display().lower()}).")
    else:
        messages.info(request, "Too late to cancel: your video is ready and being saved.")
    return redirect("avatars:job", job_id=job.id)


@login_required
@require_POST
def job_retry(request, job_id):
    job = selectors.owned_job(request.user, job_id)
    try:
        retry = lifecycle.retry_job(job.id, by=request.user.get_username())
    except lifecycle.RETRY_REFUSALS as exc:
        messages.error(request, str(exc))
        return redirect("avatars:job", job_id=job.id)
    messages.success(request, "A new attempt has started with the same inputs.")
    return redirect("avatars:job", job_id=retry.id)


@login_required
def job_delete(request, job_id):
    job = selectors.owned_job(request.user, job_id)
    if request.method == "POST":
        try:
            lifecycle.delete_job(job.id)
        except Job.DoesNotExist:
            messages.info(request, DELETED_MEANWHILE)
        else:
            messages.success(request, "The video and its files were deleted.")
        return redirect("avatars:gallery")
    return render(request, "avatars/job_confirm_delete.html", {"job": job})


@login_required
def gallery(request):
    filters = GalleryFilterForm(request.GET)
    active = filters.active_filters()
    jobs = selectors.gallery_jobs(request.user, **filters.selection())
    page = selectors.GalleryPaginator(jobs, GALLERY_PAGE_SIZE).get_page(request.GET.get("page"))
    # The first and last pages and two either side of this one: a long history would
    # otherwise render a link for every page.
    page_links = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    context = {
        "page": page,
        "page_links": page_links,
        "filters": filters,
        "filtering": bool(active),
        # Page links keep the valid filters (and drop the ones the form refused).
        "base_query": urlencode(active) + "&" if active else "",
        "create_url": reverse("avatars:create"),
        "retryable_states": list(lifecycle.RETRYABLE_STATES),
    }
    return render(request, "avatars/gallery.html", context)


@login_required
@require_safe
def job_download(request, job_id):
    job = selectors.downloadable_job(request.user, job_id)
    return downloads.video_download(request, job)


@login_required
def batch_create(request):
    form = BatchForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST" and _refused_for_speed(request, form):
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            batch = batches.create_batch(
                user=request.user, agreement=agreement(form, request), **form.batch_arguments()
            )
        except credits.InsufficientCredits as exc:
            form.add_error(None, f"{exc} You are {exc.shortfall} credits short.")
        else:
            form.forget_kept_files()
            messages.success(request, f"Batch of {batch.items.count()} created. This page follows every item live.")
            return redirect("avatars:batch", batch_id=batch.id)
    if request.method == "POST":
        form.kept_valid_files()  # what was valid is shown as chosen, not asked for again
    context = {"form": form, "balance": credits.account_for(request.user).balance, **_pricing_and_limits()}
    context["limits"]["maxBatchSize"] = settings.MAX_BATCH_SIZE
    return render(request, "avatars/batch_create.html", context, status=status)


# The words the job badges use (jobs.models.JobState), so a batch and its items agree.
BATCH_STATUS_LABELS = {
    "pending": "Pending",
    "running": "In progress",
    "completed": "Completed",
    "partially_completed": "Partly completed",
    "failed": "Failed",
}
BATCH_STATUS_TONES = {
    "pending": "waiting",
    "running": "working",
    "completed": "good",
    "partially_completed": "bad",
    "failed": "bad",
}
BATCH_PAGE_SIZE = 20


@login_required
def batch_list(request):
    page = Paginator(selectors.user_batches(request.user), BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for batch in page.object_list:
        status = batch.status_from(
            {stage: getattr(batch, stage) for stage in ("total", "running", "completed", "failed", "cancelled")}
        )
        rows.append(
            {
                "batch": batch,
                "status": status,
                "label": BATCH_STATUS_LABELS[status],
                "tone": BATCH_STATUS_TONES[status],
            }
        )
    return render(request, "avatars/batch_list.html", {"page": page, "rows": rows})


def _batch_context(batch):
    items = [(job, progress_for(job)) for job in batch.jobs.annotate(position=F("batch_item__position"))]
    totals = batch.totals()
    status = batch.status_from(totals)
    return {
        "batch": batch,
        "items": items,
        "totals": totals,
        "status": status,
        "status_label": BATCH_STATUS_LABELS[status],
        "status_tone": BATCH_STATUS_TONES[status],
    }


@login_required
def batch_detail(request, batch_id):
    batch = selectors.owned_batch(request.user, batch_id)
    return render(request, "avatars/batch_detail.html", _batch_context(batch))


@login_required
def batch_status(request, batch_id):
    """The live part of the batch page, for the page's polling script."""
    batch = selectors.owned_batch(request.user, batch_id)
    return _live_fragment(
        "avatars/_batch_items.html", _batch_context(batch), request, finished=batch.finished_at is not None
    )
