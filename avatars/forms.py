"""Forms for the browser app: the create form checks real media content with jobs.media."""

from django import forms
from django.conf import settings

from consent import services as consent
from consent.models import CONSENT_TEXT
from jobs import long_audio, media
from jobs.registry import DEFAULT_MODEL_KEY, MODELS
from jobs.services.submission import portrait_of
from limits.clients import client_address

from . import kept_inputs
from .selectors import GALLERY_STATES

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"
AUDIO_ACCEPT = "audio/mpeg,audio/wav,audio/x-wav,audio/mp4,audio/x-m4a,audio/ogg,audio/aac,.mp3,.wav,.m4a,.ogg,.aac"


def _checked(upload, kind):
    try:
        return media.check_upload(upload, kind)
    except media.MediaError as exc:
        raise forms.ValidationError(exc.message, code="invalid_media") from None


def model_choices():
    # Dollars only when fal.ai is used: the local engine costs nothing, its credits are play money.
    if settings.FAL_MODE == "local":
        return [
            (key, f"{model.label} ({model.credits_per_second} credits per second of video)")
            for key, model in MODELS.items()
        ]
    return [
        (key, f"{model.label} ({model.credits_per_second} credits, ${model.price_per_second}, per second of video)")
        for key, model in MODELS.items()
    ]


def page_limits() -> dict:
    """The media limits the page's script checks before anything is uploaded: the very
    numbers jobs.media enforces, handed to the page (never copied into the script)."""
    return {
        "maxImageBytes": settings.MAX_IMAGE_BYTES,
        "minImageSide": settings.MIN_IMAGE_SIDE,
        "maxImageSide": settings.MAX_IMAGE_SIDE,
        "maxAudioBytes": settings.MAX_AUDIO_BYTES,
        "minAudioSeconds": settings.MIN_AUDIO_SECONDS,
        "maxAudioSeconds": settings.MAX_LONG_AUDIO_SECONDS,
    }


def require_consent(form):
    """Where consent is required (PORTRAIT_CONSENT_REQUIRED) the box must be ticked; the
    confirmation is kept with the portrait (agreement())."""
    field = form.fields["consent"]
    field.required = consent.consent_required()
    field.error_messages["required"] = "Tick this box to confirm you may use this face."
    field.help_text = (
        "Required: we keep your confirmation with the portrait."
        if field.required
        else "We keep your confirmation with the portrait."
    )


def agreement(form, request):
    """The uploader's word, with the address it came from, when they ticked the box."""
    return consent.Agreement(client_address(request)) if form.cleaned_data.get("consent") else None


class AvatarForm(forms.Form):
    """A portrait, a speech recording, an optional prompt and a model: one avatar job.

    Given `portrait_job` (one of the user's jobs), the portrait may be left out: that
    job's portrait is used, unless a new picture is uploaded.
    """

    image = forms.FileField(
        label="Portrait photo",
        help_text="A JPEG, PNG or WebP picture of one face, looking at the camera.",
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    audio = forms.FileField(
        label="Speech audio",
        help_text="MP3, WAV, M4A, OGG or AAC. The video lasts as long as the audio.",
        widget=forms.FileInput(attrs={"accept": AUDIO_ACCEPT}),
    )
    prompt = forms.CharField(
        label="Prompt (optional)",
        required=False,
        max_length=2500,
        help_text="Describe the mood or movement, e.g. “smiles warmly, nods while speaking”.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    model = forms.ChoiceField(label="Model", widget=forms.RadioSelect, initial=DEFAULT_MODEL_KEY)
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    # Tokens of files a refused post had already received and found valid (kept_inputs).
    kept_image = forms.CharField(required=False, widget=forms.HiddenInput)
    kept_audio = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, portrait_job=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        require_consent(self)
        self.portrait_job = portrait_job
        self.user = user
        # What kept_valid_files() stored, by field: {"token", "name", "facts"} for the page.
        self.kept = {}
        # Either field may be filled by a kept file instead: "required" is checked in clean_*.
        self.fields["image"].required = self.fields["audio"].required = False
        # Labels carry prices, which come from settings: build them per form.
        self.fields["model"].choices = model_choices()
        limits = (
            f" Up to {settings.MAX_IMAGE_BYTES // (1024 * 1024)} MB, "
            f"{settings.MIN_IMAGE_SIDE}–{settings.MAX_IMAGE_SIDE} pixels a side."
        )
        self.fields["image"].help_text += limits
        self.fields["audio"].help_text += (
            f" Up to {settings.MAX_AUDIO_BYTES // (1024 * 1024)} MB and "
            f"{settings.MIN_AUDIO_SECONDS:g}–{settings.MAX_LONG_AUDIO_SECONDS:g} seconds; "
            f"past {settings.MAX_AUDIO_SECONDS:g} s it is split at pauses and stitched into one video."
        )

    def _upload_or_kept(self, name):
        """The new upload for field `name`, else the file kept from an earlier post, else None."""
        upload = self.cleaned_data[name]
        if upload:
            return upload
        token = self.data.get(f"kept_{name}", "")
        return kept_inputs.open_kept(self.user, token) if token and self.user is not None else None

    def clean_image(self):
        upload = self._upload_or_kept("image")
        if upload:
            return _checked(upload, "image")
        if self.portrait_job is None:
            raise forms.ValidationError(self.fields["image"].error_messages["required"], code="required")
        try:
            return portrait_of(self.portrait_job)
        except media.MediaError as exc:
            raise forms.ValidationError(
                f"The earlier video's portrait can no longer be used: {exc.message}", code="invalid_media"
            ) from None

    def clean_audio(self):
        upload = self._upload_or_kept("audio")
        if not upload:
            raise forms.ValidationError(self.fields["audio"].error_messages["required"], code="required")
        return _checked(upload, "audio")

    def kept_valid_files(self):
        """After a refused post: keep each file that was sent and passed its checks, so the
        page shows it as chosen and the next post uses it unless another is chosen."""
        for name in ("image", "audio"):
            checked = self.cleaned_data.get(name)
            if checked is None or self.errors.get(name) or checked.file is None:
                continue
            upload = self.files.get(name)
            token = kept_inputs.keep(self.user, checked.file) if upload else self.data.get(f"kept_{name}", "")
            if not token:
                continue  # the earlier job's portrait: the page shows it already
            facts = f"{checked.width}×{checked.height} px" if name == "image" else f"{checked.duration:.1f} s"
            self.kept[name] = {
                "token": token,
                "name": checked.source_name,
                "facts": facts,
                "seconds": checked.duration,
            }

    def forget_kept_files(self):
        """Once a job has its own copies, the kept files are no longer needed."""
        for name in ("image", "audio"):
            token = self.data.get(f"kept_{name}", "")
            if token and not self.files.get(name):
                kept_inputs.forget(self.user, token)

    def chosen_model(self):
        """The model the form shows as chosen (what was posted, else the default)."""
        return MODELS.get(self["model"].value()) or MODELS[DEFAULT_MODEL_KEY]

    def job_arguments(self):
        """Keyword arguments for submission.create_job (call after is_valid())."""
        return {
            "model": MODELS[self.cleaned_data["model"]],
            "image": self.cleaned_data["image"],
            "audio": self.cleaned_data["audio"],
            "prompt": self.cleaned_data["prompt"],
        }


class GalleryFilterForm(forms.Form):
    """The gallery's search and filters, read from the query string (?q=, ?model=, ?status=).

    A value that is not valid is reported beside its field and left out, so an old or
    hand-edited link still shows videos rather than an error page.
    """

    q = forms.CharField(
        label="Search titles",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in the title"}),
        error_messages={"max_length": "Search for at most %(limit_value)d characters; showing every title."},
    )
    model = forms.ChoiceField(
        label="Model",
        required=False,
        error_messages={"invalid_choice": "There is no model called “%(value)s”; showing every model."},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *((key, label) for key, (label, _) in GALLERY_STATES.items())],
        error_messages={"invalid_choice": "There is no status called “%(value)s”; showing every status."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "Any model"), *((key, model.label) for key, model in MODELS.items())]

    def active_filters(self) -> dict:
        """The valid, non-empty filters by field name (cleaned; invalid ones left out)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    def selection(self) -> dict:
        """The active filters as selectors.gallery_jobs takes them."""
        active = self.active_filters()
        return {"search": active.get("q", ""), "model": active.get("model", ""), "status": active.get("status", "")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class BatchForm(forms.Form):
    """One portrait and several speech clips: a batch, one video per clip."""

    image = AvatarForm.base_fields["image"]
    audio = MultipleFileField(
        label="Speech clips",
        help_text="Choose several MP3, WAV, M4A, OGG or AAC files at once; each becomes one video.",
        widget=MultipleFileInput(attrs={"accept": AUDIO_ACCEPT}),
    )
    prompt = AvatarForm.base_fields["prompt"]
    model = forms.ChoiceField(label="Model", widget=forms.RadioSelect, initial=DEFAULT_MODEL_KEY)
    consent = AvatarForm.base_fields["consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        require_consent(self)
        self.fields["model"].choices = model_choices()
        self.fields["audio"].help_text += f" Up to {settings.MAX_BATCH_SIZE} clips."

    def clean_image(self):
        return _checked(self.cleaned_data["image"], "image")

    def clean_audio(self):
        uploads = self.cleaned_data["audio"]
        if len(uploads) > settings.MAX_BATCH_SIZE:
            raise forms.ValidationError(
                f"A batch holds at most {settings.MAX_BATCH_SIZE} clips; you chose {len(uploads)}."
            )
        checked, problems = [], []
        for upload in uploads:
            try:
                checked.append(_checked(upload, "audio"))
            except forms.ValidationError as exc:
                problems.append(f"{upload.name}: {exc.messages[0]}")
        if problems:
            raise forms.ValidationError(problems)
        return checked

    def clean(self):
        cleaned = super().clean()
        model = MODELS.get(cleaned.get("model") or "")
        if model is not None and "audio" in cleaned:
            for audio in cleaned["audio"]:
                try:
                    long_audio.refuse_in_batch(model, audio)
                except media.MediaError as exc:
                    self.add_error("audio", f"{audio.source_name}: {exc.message}")
                    break
        return cleaned

    def batch_arguments(self):
        """Keyword arguments for batches.services.create_batch (call after is_valid())."""
        image = self.cleaned_data["image"]
        return {
            "model": MODELS[self.cleaned_data["model"]],
            "items": [(image, audio) for audio in self.cleaned_data["audio"]],
            "prompt": self.cleaned_data["prompt"],
        }


class JobTitleForm(forms.Form):
    """A job's new title: what the owner calls the video (1 to 200 characters, spaces trimmed)."""

    # Django's CharField strips first, so "   " is refused as empty rather than stored.
    title = forms.CharField(label="Title", min_length=1, max_length=200, strip=True)
