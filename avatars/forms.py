"""Forms for the browser app: the create form checks real media content with jobs.media."""

from django import forms
from django.conf import settings

from consent import services as consent
from consent.models import CONSENT_TEXT
from jobs import media
from jobs.registry import DEFAULT_MODEL_KEY, MODEL_PARAMETERS, MODELS
from jobs.services.submission import Script, portrait_of
from limits.clients import client_address
from speech.registry import ScriptError, checked_script
from speech.voices import DEFAULT_VOICE, VOICE_CHOICES

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
    numbers jobs.media enforces, handed to the page (never copied into the script). Each
    model's own audio range, with its parameters, comes with the estimate (avatars.views)."""
    return {
        "maxImageBytes": settings.MAX_IMAGE_BYTES,
        "minImageSide": settings.MIN_IMAGE_SIDE,
        "maxImageSide": settings.MAX_IMAGE_SIDE,
        "maxAudioBytes": settings.MAX_AUDIO_BYTES,
        "minAudioSeconds": settings.MIN_AUDIO_SECONDS,
        "maxAudioSeconds": settings.MAX_LONG_AUDIO_SECONDS,
        "maxScriptCharacters": settings.MAX_SCRIPT_CHARACTERS,
    }


def name_the_limits(form, each="", long_videos=False):
    """The file fields' help names the server's limits (the numbers the page checks); with
    `long_videos`, audio past one request's limit makes a long video (jobs.long_audio)."""
    form.fields["image"].help_text += (
        f" Up to {settings.MAX_IMAGE_BYTES // (1024 * 1024)} MB, "
        f"{settings.MIN_IMAGE_SIDE}–{settings.MAX_IMAGE_SIDE} pixels a side."
    )
    longest = settings.MAX_LONG_AUDIO_SECONDS if long_videos else settings.MAX_AUDIO_SECONDS
    form.fields["audio"].help_text += (
        f" Up to {settings.MAX_AUDIO_BYTES // (1024 * 1024)} MB and "
        f"{settings.MIN_AUDIO_SECONDS:g}–{longest:g} seconds{each}"
    )
    form.fields["audio"].help_text += (
        f"; past {settings.MAX_AUDIO_SECONDS:g} s it is split at pauses and stitched into one video."
        if long_videos
        else "."
    )


def add_parameter_fields(form):
    """A field for every parameter a registry model takes (OmniHuman's resolution and turbo
    mode), named as fal names it; the page shows each only while a model taking it is chosen."""
    for name, parameter in MODEL_PARAMETERS.items():
        if parameter.is_switch:
            field = forms.BooleanField(label=parameter.label, required=False, initial=parameter.default)
        else:
            field = forms.ChoiceField(
                label=parameter.label,
                required=False,
                initial=parameter.default,
                choices=[(choice, choice) for choice in parameter.choices],
            )
        field.models = [key for key, model in MODELS.items() if parameter in model.parameters]
        labels = ", ".join(MODELS[key].label for key in field.models)
        field.help_text = f"{parameter.help_text} ({labels} only.)"
        form.fields[name] = field


def parameter_fields(form) -> list:
    """The bound parameter fields with the models that take each (for the template)."""
    return [{"field": form[name], "models": " ".join(form.fields[name].models)} for name in MODEL_PARAMETERS]


def chosen_params(form, model) -> dict:
    """The chosen model's parameters from the cleaned form (others' are ignored: the page
    sends every parameter field, shown or not); an empty choice means the default."""
    params = {}
    for parameter in model.parameters:
        value = form.cleaned_data.get(parameter.name)
        params[parameter.name] = parameter.default if value in (None, "") else value
    return params


def check_model_fit(form, model, audios, *, long_video_ok=False):
    """The chosen model's parameters, with each audio too long or short for it (with those
    parameters; `long_video_ok`: or for a long video) refused beside the audio field; None
    when the model is not known yet."""
    if model is None:
        return None
    params = model.clean_params(chosen_params(form, model))
    for audio in audios:
        if audio is not None and (problem := model.audio_problem(audio.duration, params, long_video_ok=long_video_ok)):
            form.add_error("audio", f"{audio.source_name}: {problem}" if len(audios) > 1 else problem)
    return params


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


class KeepsValidFiles:
    """A form whose files that passed their checks outlive a refusal (kept_inputs): each new
    one is stored once, shown as chosen, and comes back as a token instead of its bytes.

    Cleaning records what passed (`_passed`); after a refusal `kept_valid_files()` makes the
    page's entries of it, after success `forget_kept_files()` deletes what the post sent back.
    """

    kept_fields: tuple = ()

    def _start_keeping(self, user):
        self.user = user
        # What kept_valid_files() made, by field: [{"token", "name", "facts", "seconds"}] for the page.
        self.kept: dict = {}
        # What passed its checks in this post, by field: [(checked input, its kept token or "")].
        self.valid_files: dict = {}

    def _kept_tokens(self, name) -> list:
        getlist = getattr(self.data, "getlist", None)
        tokens = getlist(f"kept_{name}") if getlist else [self.data.get(f"kept_{name}", "")]
        return [token for token in tokens if token]

    def _open_kept(self, token):
        return kept_inputs.open_kept(self.user, token) if self.user is not None else None

    def _upload_or_kept(self, name):
        """(the new upload for field `name`, "") else (the file kept from an earlier post, its
        token), else (None, "")."""
        upload = self.cleaned_data[name]
        if upload:
            return upload, ""
        for token in self._kept_tokens(name)[:1]:
            return self._open_kept(token), token
        return None, ""

    def _passed(self, name, checked, token=""):
        self.valid_files.setdefault(name, []).append((checked, token))
        return checked

    def kept_valid_files(self):
        """After a refused post: keep each file that was sent and passed its checks (a new
        upload is stored now, a kept one keeps its token), so the page shows it as chosen and
        the next post uses it without sending it again."""
        for name, files in self.valid_files.items():
            self.kept[name] = [
                {
                    "token": token or kept_inputs.keep(self.user, checked.file),
                    "name": checked.source_name,
                    "facts": f"{checked.width}×{checked.height} px"
                    if name == "image"
                    else f"{checked.duration:.1f} s",
                    "seconds": checked.duration,
                }
                for checked, token in files
            ]

    def forget_kept_files(self):
        """Once the jobs have their own copies, the kept files the post sent back are not needed."""
        for name in self.kept_fields:
            for token in self._kept_tokens(name):
                kept_inputs.forget(self.user, token)


class AvatarForm(KeepsValidFiles, forms.Form):
    """A portrait, a speech recording (or a script and a voice), an optional prompt and a
    model: one avatar job.

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
    script = forms.CharField(
        label="Or write a script",
        required=False,
        help_text="Instead of a recording: what the avatar says, spoken first by fal's text-to-speech model.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    voice = forms.ChoiceField(label="Voice", choices=VOICE_CHOICES, initial=DEFAULT_VOICE, required=False)
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
    kept_fields = ("image", "audio")

    def __init__(self, *args, portrait_job=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        require_consent(self)
        self.portrait_job = portrait_job
        self._start_keeping(user)
        # Either field may be filled by a kept file instead: "required" is checked in clean_*.
        self.fields["image"].required = self.fields["audio"].required = False
        # Labels carry prices, which come from settings: build them per form.
        self.fields["model"].choices = model_choices()
        name_the_limits(self, long_videos=True)
        add_parameter_fields(self)
        self.fields["script"].help_text += f" Up to {settings.MAX_SCRIPT_CHARACTERS:,} characters."
        self.fields["script"].widget.attrs["maxlength"] = settings.MAX_SCRIPT_CHARACTERS

    def clean_image(self):
        upload, token = self._upload_or_kept("image")
        if upload:
            return self._passed("image", _checked(upload, "image"), token)
        if self.portrait_job is None:
            raise forms.ValidationError(self.fields["image"].error_messages["required"], code="required")
        try:
            return portrait_of(self.portrait_job)
        except media.MediaError as exc:
            raise forms.ValidationError(
                f"The earlier video's portrait can no longer be used: {exc.message}", code="invalid_media"
            ) from None

    def clean_audio(self):
        upload, token = self._upload_or_kept("audio")
        if not upload:
            return None  # a script may stand in for it (clean)
        return self._passed("audio", _checked(upload, "audio"), token)

    def clean(self):
        """A recording or a script, not both: a script is checked with its voice; either must
        fit the chosen model with its parameters."""
        cleaned = super().clean()
        model = MODELS.get(cleaned.get("model", ""))
        self.model_params = check_model_fit(self, model, [cleaned.get("audio")], long_video_ok=True)
        text = (cleaned.get("script") or "").strip()
        if not text:
            if cleaned.get("audio") is None and "audio" not in self.errors:
                self.add_error("audio", forms.ValidationError("Choose a speech recording, or write a script below."))
            return cleaned
        if cleaned.get("audio") is not None or "audio" in self.errors:
            self.add_error("script", "Give either a speech recording or a script, not both.")
            return cleaned
        try:
            cleaned["script"] = Script(*checked_script(text, cleaned.get("voice")))
        except ScriptError as exc:
            self.add_error("voice" if "voice" in exc.message else "script", exc.message)
        return cleaned

    def parameter_fields(self):
        return parameter_fields(self)

    def chosen_model(self):
        """The model the form shows as chosen (what was posted, else the default)."""
        return MODELS.get(self["model"].value()) or MODELS[DEFAULT_MODEL_KEY]

    def job_arguments(self):
        """Keyword arguments for submission.create_job (call after is_valid())."""
        return {
            "model": MODELS[self.cleaned_data["model"]],
            "image": self.cleaned_data["image"],
            "audio": self.cleaned_data["audio"],
            "script": self.cleaned_data["script"] or None,
            "prompt": self.cleaned_data["prompt"],
            "model_params": self.model_params,
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


class BatchForm(KeepsValidFiles, forms.Form):
    """One portrait and several speech clips: a batch, one video per clip.

    Clips kept from a refused post come back as `kept_audio` tokens (one per clip, each a
    ticked box the person may untick) and join the clips chosen now."""

    image = AvatarForm.base_fields["image"]
    audio = MultipleFileField(
        label="Speech clips",
        help_text="Choose several MP3, WAV, M4A, OGG or AAC files at once; each becomes one video.",
        widget=MultipleFileInput(attrs={"accept": AUDIO_ACCEPT}),
    )
    prompt = AvatarForm.base_fields["prompt"]
    model = forms.ChoiceField(label="Model", widget=forms.RadioSelect, initial=DEFAULT_MODEL_KEY)
    consent = AvatarForm.base_fields["consent"]
    kept_fields = ("image", "audio")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        require_consent(self)
        self._start_keeping(user)
        # Either field may be filled by kept files instead: "required" is checked in clean_*.
        self.fields["image"].required = self.fields["audio"].required = False
        self.fields["model"].choices = model_choices()
        name_the_limits(self, each=" each")
        add_parameter_fields(self)
        self.fields["audio"].help_text += f" Up to {settings.MAX_BATCH_SIZE} clips."

    def clean(self):
        cleaned = super().clean()
        model = MODELS.get(cleaned.get("model", ""))
        self.model_params = check_model_fit(self, model, cleaned.get("audio") or [])
        return cleaned

    def parameter_fields(self):
        return parameter_fields(self)

    def clean_image(self):
        upload, token = self._upload_or_kept("image")
        if not upload:
            raise forms.ValidationError(self.fields["image"].error_messages["required"], code="required")
        return self._passed("image", _checked(upload, "image"), token)

    def clean_audio(self):
        clips, problems = [], []
        for token in self._kept_tokens("audio"):
            kept = self._open_kept(token)
            if kept is None:
                problems.append("A clip kept from your last try is no longer available: choose it again.")
            else:
                clips.append((kept, token))
        clips += [(upload, "") for upload in self.cleaned_data["audio"] or []]
        if not clips and not problems:
            raise forms.ValidationError(self.fields["audio"].error_messages["required"], code="required")
        if len(clips) > settings.MAX_BATCH_SIZE:
            raise forms.ValidationError(
                f"A batch holds at most {settings.MAX_BATCH_SIZE} clips; you chose {len(clips)}."
            )
        checked = []
        for upload, token in clips:
            try:
                checked.append(self._passed("audio", _checked(upload, "audio"), token))
            except forms.ValidationError as exc:
                problems.append(f"{upload.name}: {exc.messages[0]}")
        if problems:
            raise forms.ValidationError(problems)
        return checked

    def batch_arguments(self):
        """Keyword arguments for batches.services.create_batch (call after is_valid())."""
        image = self.cleaned_data["image"]
        return {
            "model": MODELS[self.cleaned_data["model"]],
            "items": [(image, audio) for audio in self.cleaned_data["audio"]],
            "prompt": self.cleaned_data["prompt"],
            "model_params": self.model_params,
        }


class JobTitleForm(forms.Form):
    """A job's new title: what the owner calls the video (1 to 200 characters, spaces trimmed)."""

    # Django's CharField strips first, so "   " is refused as empty rather than stored.
    title = forms.CharField(label="Title", min_length=1, max_length=200, strip=True)
