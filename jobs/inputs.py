"""The input check every door shares (the seed API, v1 jobs and batches, the fal proxy): one
avatar job's inputs as a DRF serializer, and the uploader's consent. Below the doors, so each
of them uses it and none reaches into another's HTTP layer; the services it calls
(jobs.media, jobs.services.inputs) measure and check the files themselves."""

from rest_framework import serializers

from consent import services as consent
from consent.models import CONSENT_TEXT
from limits.clients import client_address
from speech.registry import ScriptError, checked_script
from speech.voices import DEFAULT_VOICE, VOICE_CHOICES

from . import media
from .registry import (
    DEFAULT_MODEL_NAME,
    MODEL_NAMES,
    MODEL_PARAMETERS,
    MODELS,
    InvalidModelParameters,
    check_model_inputs,
    find_model,
)
from .services import inputs
from .services.submission import Script


def consent_field():
    return serializers.BooleanField(
        required=False,
        default=False,
        help_text=f"`true` confirms: “{CONSENT_TEXT}” Required when the server asks for consent.",
    )


def consent_errors(attrs) -> dict:
    """{"consent": [why]} when the uploader must confirm they may use the face and did not."""
    if consent.consent_required() and not attrs.get("consent"):
        return {"consent": [consent.CONSENT_MISSING]}
    return {}


def agreement(request, attrs):
    """The uploader's word (consent.services.Agreement), with the address it came from."""
    return consent.Agreement(client_address(request)) if attrs.get("consent") else None


def _checked(check, value, kind):
    """Run a jobs.media check, reporting its MediaError as a validation error."""
    try:
        return check(value, kind)
    except media.MediaError as exc:
        raise serializers.ValidationError(exc.message) from None


class ParameterSwitchField(serializers.BooleanField):
    """A model's on/off parameter: left out of a form post, it is not given (DRF would read False)."""

    default_empty_html = serializers.empty


def model_parameter_fields() -> dict:
    """A field for every parameter a registry model takes, named as fal names it (the body is
    fal's input shape); which of them the chosen model takes is checked in model_params()."""
    fields = {}
    for name, parameter in MODEL_PARAMETERS.items():
        models = [model.label for model in MODELS.values() if parameter in model.parameters]
        help_text = f"{parameter.help_text} For {', '.join(models)} only; `{parameter.default}` by default."
        if parameter.is_switch:
            fields[name] = ParameterSwitchField(required=False, help_text=help_text)
        else:
            fields[name] = serializers.ChoiceField(
                choices=list(parameter.choices), required=False, help_text=help_text
            )
    return fields


def model_params(attrs, audio_field="audio_url") -> tuple[dict, dict]:
    """(the chosen model's cleaned parameters, {field: [why]}) from validated `attrs`: the
    parameters it does not take, values out of its range, and audio too long or short for it
    with these parameters (reported under `audio_field`, the field the audio came in)."""
    given = {name: attrs.pop(name) for name in MODEL_PARAMETERS if name in attrs}
    audio = attrs.get("checked", {}).get("audio")
    try:
        seconds = audio.duration if audio else None
        return check_model_inputs(attrs["fal_model"], given, seconds, long_video_ok=True), {}
    except InvalidModelParameters as exc:
        errors = dict(exc.errors)
        if "audio" in errors:
            errors[audio_field] = errors.pop("audio")
        return {}, errors


class InputReferenceField(serializers.CharField):
    """A URL or data: URI, given as a JSON string: DRF's CharField would turn 123 into "123"."""

    default_error_messages = {
        "invalid": "Must be a string: an http(s) URL, a data: URI, or the URL returned by the upload endpoint."
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SubmitSerializer(serializers.Serializer):
    """Inputs for one avatar job. Each input is a URL, a data: URI, or an uploaded file."""

    image_url = InputReferenceField(required=False, allow_blank=False, trim_whitespace=True)
    audio_url = InputReferenceField(required=False, allow_blank=False, trim_whitespace=True)
    image = serializers.FileField(required=False)
    audio = serializers.FileField(required=False)
    prompt = serializers.CharField(required=False, allow_blank=True, max_length=2500, default="")
    model = serializers.ChoiceField(choices=MODEL_NAMES, required=False, default=DEFAULT_MODEL_NAME)
    consent = consent_field()

    def get_fields(self):
        return {**super().get_fields(), **model_parameter_fields()}

    def validate(self, attrs):
        checked = {}
        errors = consent_errors(attrs)
        self._uploads = inputs.own_uploads(self._user(), [attrs.get("image_url"), attrs.get("audio_url")])
        kinds = ("image", "audio")
        if attrs.get("script") is not None:  # a door that takes scripts (ScriptFields)
            kinds = ("image",)
            errors.update(self.script_errors(attrs))
        for kind in kinds:
            url, upload = attrs.get(f"{kind}_url"), attrs.get(kind)
            try:
                if url and upload:
                    raise serializers.ValidationError(f"Give either {kind}_url or an {kind} file, not both.")
                if upload:
                    checked[kind] = _checked(media.check_upload, upload, kind)
                elif url:
                    checked[kind] = self.check_reference(url, kind)
                else:
                    raise serializers.ValidationError(
                        f"This field is required (a URL, a data: URI, or an {kind} file)."
                    )
            except serializers.ValidationError as exc:
                # Named by the field the client sent: a multipart `audio` file's problem is `audio`'s.
                errors[kind if upload else f"{kind}_url"] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        attrs["checked"] = checked
        attrs["fal_model"] = find_model(attrs["model"])
        audio_field = "audio" if attrs.get("audio") else "audio_url"
        attrs["model_params"], errors = model_params(attrs, audio_field)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def script_errors(self, attrs) -> dict:
        """A script replaces the recording: checked, and refused beside one."""
        errors: dict = {}
        if attrs.get("audio_url") or attrs.get("audio"):
            errors["script"] = ["Give either a script or audio (audio_url or an audio file), not both."]
        try:
            attrs["script"] = Script(*checked_script(attrs["script"], attrs.get("voice")))
        except ScriptError as exc:
            errors["voice" if "voice" in exc.message else "script"] = [exc.message]
        return errors

    def check_reference(self, url, kind):
        """Check one input given as a URL or data: URI (also used for a batch's inputs); audio
        by URL is downloaded and measured (jobs.services.inputs)."""
        user, uploads = self._user(), getattr(self, "_uploads", None)
        return _checked(lambda value, kind: inputs.check_reference(user, value, kind, uploads), url, kind)

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else None


class ScriptFields(serializers.Serializer):
    """A script instead of a recording (the v1 API and the CLI's doors): fal's text-to-speech
    model speaks it first, and the speech drives the avatar."""

    script = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text="What the avatar says, instead of `audio_url`: up to MAX_SCRIPT_CHARACTERS (2,500) "
        "characters, spoken by fal's text-to-speech model first; the speech becomes the job's audio.",
    )
    voice = serializers.ChoiceField(
        choices=VOICE_CHOICES,
        required=False,
        help_text=f"The voice that speaks `script` (`GET /api/v1/voices` lists them); `{DEFAULT_VOICE}` by default.",
    )
