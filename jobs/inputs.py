"""The input check every door shares (the seed API, v1 jobs and batches, the fal proxy): one
avatar job's inputs as a DRF serializer, and the uploader's consent. Below the doors, so each
of them uses it and none reaches into another's HTTP layer; the services it calls
(jobs.media, jobs.services.inputs) measure and check the files themselves."""

from rest_framework import serializers

from consent import services as consent
from consent.models import CONSENT_TEXT
from limits.clients import client_address

from . import media
from .registry import DEFAULT_MODEL_NAME, MODEL_NAMES, find_model
from .services import inputs


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

    def validate(self, attrs):
        checked = {}
        errors = consent_errors(attrs)
        self._uploads = inputs.own_uploads(self._user(), [attrs.get("image_url"), attrs.get("audio_url")])
        for kind in ("image", "audio"):
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
        return attrs

    def check_reference(self, url, kind):
        """Check one input given as a URL or data: URI (also used for a batch's inputs); audio
        by URL is downloaded and measured (jobs.services.inputs)."""
        user, uploads = self._user(), getattr(self, "_uploads", None)
        return _checked(lambda value, kind: inputs.check_reference(user, value, kind, uploads), url, kind)

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else None
