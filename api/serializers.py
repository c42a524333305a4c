"""The v1 resources' JSON. Every object has an `id` and its detail `url`."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from batches.models import Batch
from jobs import media, signed_urls
from jobs.inputs import (
    InputReferenceField,
    ScriptFields,
    SubmitSerializer,
    consent_errors,
    consent_field,
    model_parameter_fields,
)
from jobs.models import TERMINAL_STATES, Asset, Job, JobState
from jobs.outputs import VideoOutputSerializer, video_output
from jobs.registry import (
    DEFAULT_MODEL_NAME,
    MODEL_NAMES,
    MODEL_NAMES_HELP,
    MODEL_PARAMETERS,
    InvalidModelParameters,
    find_model,
)
from longform import selectors as longform
from outbox import services as outbox

from .models import ApiToken
from .seed.serializers import FalRequestIdField, JobListSerializer
from .seed.serializers import JobSerializer as SeedJobSerializer


@extend_schema_field(OpenApiTypes.URI)
class DetailUrlField(serializers.Field):
    """The object's detail URL under its collection, e.g. /api/v1/jobs/<id>."""

    def __init__(self, view_name, **kwargs):
        self.view_name = view_name
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return reverse(self.view_name, kwargs={"pk": obj.pk}, request=self.context.get("request"))


# The shapes of the objects the method fields below answer (they only describe them).


class JobModelSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True, help_text="The model's key (`kling-avatar-pro`); null for a model no longer offered."
    )
    label = serializers.CharField(help_text="The model's name for people.")
    endpoint_id = serializers.CharField(help_text="fal's endpoint id of the model.")
    params = serializers.DictField(
        help_text="The model's own inputs this job was made with (e.g. OmniHuman's `resolution`, `turbo_mode`); "
        "empty for a model that takes none."
    )


class JobLogSerializer(serializers.Serializer):
    timestamp = serializers.CharField(allow_null=True, help_text="When the model wrote the line, as fal reported it.")
    message = serializers.CharField(allow_blank=True)


class JobTimingsSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(
        allow_null=True, help_text="When the worker started submitting it to fal."
    )
    queued_at = serializers.DateTimeField(allow_null=True, help_text="When fal accepted it.")
    started_at = serializers.DateTimeField(allow_null=True, help_text="When fal started making the video.")
    finished_at = serializers.DateTimeField(allow_null=True)
    waited_seconds = serializers.FloatField(allow_null=True, help_text="From creation to the start at fal.")
    ran_seconds = serializers.FloatField(allow_null=True, help_text="From the start at fal to the end.")
    total_seconds = serializers.FloatField(allow_null=True, help_text="From creation to the end.")


class JobCostSerializer(serializers.Serializer):
    credits_held = serializers.IntegerField(
        help_text="Credits held when the job was created (a script job's is lowered to its exact price once "
        "its speech is measured)."
    )
    credits_charged = serializers.IntegerField(help_text="Credits charged: only a job that makes a video is charged.")
    settled = serializers.BooleanField(help_text="The job has ended: what was held is charged or back in the balance.")


class JobOutputSerializer(serializers.Serializer):
    video = VideoOutputSerializer(allow_null=True)
    poster_url = serializers.URLField(
        allow_null=True, help_text="A still of the video (JPEG), signed and expiring like the video's URL."
    )
    duration = serializers.FloatField(allow_null=True, help_text="The video's length in seconds.")


class BatchTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Items in the batch.")
    queued = serializers.IntegerField(help_text="Items waiting (here or in fal's queue).")
    running = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Items that failed or timed out.")
    cancelled = serializers.IntegerField()
    credits_held = serializers.IntegerField(help_text="Credits held for all the items.")
    credits_charged = serializers.IntegerField(help_text="Credits charged so far: only items that made a video.")


class BatchItemSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="The item's place in the batch, from 0.")
    job = serializers.UUIDField(help_text="The item's job.")
    status = serializers.ChoiceField(choices=JobState.choices)
    url = serializers.URLField(help_text="The job's detail URL.")
    error = serializers.CharField(allow_null=True, help_text="Why the job failed, if it did.")


# "pending" until an item starts, as its jobs say (it read "queued" before issue 26).
BATCH_STATUSES = ["pending", "running", "completed", "partially_completed", "failed"]


class SegmentSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="From 0, in the audio's order.")
    attempt = serializers.IntegerField(help_text="1, or 2 for the one retry of a failed segment.")
    job = serializers.UUIDField(help_text="The segment's own job.")
    status = serializers.ChoiceField(choices=JobState.choices)
    start_seconds = serializers.FloatField(help_text="Where its stretch of the audio starts.")
    end_seconds = serializers.FloatField()
    error = serializers.CharField(allow_blank=True)


class SegmentProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


@extend_schema_serializer(component_name="V1Job")  # "Job" is the seed API's job
class JobSerializer(serializers.ModelSerializer):
    url = DetailUrlField("v1:job-detail")
    status = serializers.ChoiceField(source="state", choices=JobState.choices, read_only=True)
    status_detail = serializers.SerializerMethodField()
    waiting_ahead = serializers.SerializerMethodField()
    request_id = FalRequestIdField()
    model = serializers.SerializerMethodField()
    logs = serializers.SerializerMethodField()
    timings = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField()
    output = serializers.SerializerMethodField()
    batch = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()
    segment_progress = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "title",
            "status",
            "status_detail",
            "waiting_ahead",
            "queue_position",
            "model",
            "prompt",
            "script",
            "voice",
            "request_id",
            "logs",
            "error",
            "error_type",
            "timings",
            "cost",
            "output",
            "batch",
            "segments",
            "segment_progress",
            "created_at",
        ]
        list_serializer_class = JobListSerializer

    # The seed's serializer knows the fair order and the wording of a state: one place for both.
    get_waiting_ahead = SeedJobSerializer.get_waiting_ahead
    get_status_detail = SeedJobSerializer.get_status_detail

    @extend_schema_field(JobModelSerializer)
    def get_model(self, job):
        model = job.model
        return {
            "key": model.key if model else None,
            "label": job.model_label,
            "endpoint_id": job.endpoint_id,
            "params": job.model_params,
        }

    @extend_schema_field(JobLogSerializer(many=True))
    def get_logs(self, job):
        return [{"timestamp": entry.get("timestamp"), "message": entry.get("message", "")} for entry in job.logs]

    @extend_schema_field(JobTimingsSerializer)
    def get_timings(self, job):
        def seconds(start, end):
            return round((end - start).total_seconds(), 3) if start and end else None

        return {
            "created_at": job.created_at,
            "submitted_at": job.submit_started_at,
            "queued_at": job.queued_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "waited_seconds": seconds(job.created_at, job.started_at),
            "ran_seconds": seconds(job.started_at, job.finished_at),
            "total_seconds": seconds(job.created_at, job.finished_at),
        }

    @extend_schema_field(JobCostSerializer)
    def get_cost(self, job):
        held = getattr(job, "credits_held", None)
        charged = getattr(job, "credits_charged", None)
        return {"credits_held": held or 0, "credits_charged": charged or 0, "settled": job.state in TERMINAL_STATES}

    @extend_schema_field(JobOutputSerializer(allow_null=True, help_text="The video, once the job has completed."))
    def get_output(self, job):
        if job.state != JobState.COMPLETED:
            return None
        request = self.context.get("request")
        poster = signed_urls.signed_url(job.poster, request=request) if job.poster else None
        return {"video": video_output(job, request), "poster_url": poster, "duration": job.video_duration}

    @extend_schema_field(serializers.UUIDField(allow_null=True, help_text="The batch this job is an item of."))
    def get_batch(self, job):
        return getattr(job, "batch_id", None)

    @extend_schema_field(
        SegmentSerializer(
            many=True,
            help_text="A long video's segments (audio longer than the model takes is split at pauses, each "
            "segment a job of its own, retried once if it fails); empty for any other job.",
        )
    )
    def get_segments(self, job):
        return SegmentSerializer(longform.segments_of(job), many=True).data

    @extend_schema_field(
        SegmentProgressSerializer(allow_null=True, help_text="How many segments are made (long videos).")
    )
    def get_segment_progress(self, job):
        return longform.progress_of(job)


class JobTitleSerializer(serializers.Serializer):
    """A job's new title (PATCH): 1 to 200 characters once control characters and runs of
    spaces are taken out."""

    title = serializers.CharField(max_length=200, help_text="What to call the video, 1 to 200 characters.")

    def validate_title(self, value):
        title = media.visible_text(value)
        if not title:
            raise serializers.ValidationError("A title needs at least one visible character.")
        return title


class JobFilterSerializer(serializers.Serializer):
    """The list's query parameters, checked like any other input."""

    status = serializers.MultipleChoiceField(choices=JobState.choices, required=False)
    model = serializers.ChoiceField(choices=MODEL_NAMES, required=False)
    batch = serializers.UUIDField(required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            # ?status=failed,cancelled and ?status=failed&status=cancelled mean the same.
            statuses = [value for values in data.getlist("status") for value in values.split(",") if value]
            data = {key: data.get(key) for key in data}
            if "status" in data:
                data["status"] = statuses
        return super().to_internal_value(data)

    def validate_model(self, value):
        return find_model(value).endpoint_id


class AccountLimitsSerializer(serializers.Serializer):
    max_active_jobs = serializers.IntegerField(
        help_text="Unfinished jobs you may have at once (a batch's running items count too)."
    )
    max_batch_size = serializers.IntegerField(help_text="Items one batch may hold.")
    max_audio_seconds = serializers.FloatField(help_text="The longest speech an input may be.")
    max_image_bytes = serializers.IntegerField()
    max_audio_bytes = serializers.IntegerField()


def account_limits():
    """The limits every account works within: the seed's and v1's `me` both answer them."""
    return {
        "max_active_jobs": settings.MAX_ACTIVE_JOBS_PER_USER,
        "max_batch_size": settings.MAX_BATCH_SIZE,
        "max_audio_seconds": settings.MAX_AUDIO_SECONDS,
        "max_image_bytes": settings.MAX_IMAGE_BYTES,
        "max_audio_bytes": settings.MAX_AUDIO_BYTES,
    }


class AccountSerializer(serializers.Serializer):
    """Who the credentials belong to, with the balance and the limits that apply."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    balance = serializers.IntegerField(help_text="Credits available (1 credit = $0.001 by default).")
    limits = AccountLimitsSerializer()


class FileSerializer(serializers.ModelSerializer):
    url = DetailUrlField("v1:file-detail")
    file_url = serializers.CharField(
        source="fal_url", read_only=True, help_text="Ends in a safe form of the file's name."
    )
    file_name = serializers.CharField(
        read_only=True, help_text="The file's name as uploaded: jobs made from it are titled with it."
    )
    file_size = serializers.IntegerField(source="size", read_only=True)

    class Meta:
        model = Asset
        fields = [
            "id",
            "url",
            "file_url",
            "file_name",
            "kind",
            "content_type",
            "file_size",
            "duration",
            "expires_at",
            "created_at",
        ]


class TokenSerializer(serializers.ModelSerializer):
    url = DetailUrlField("v1:token-detail")
    name = serializers.CharField(max_length=100)

    class Meta:
        model = ApiToken
        fields = ["id", "url", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def validate_name(self, value):
        if problem := ApiToken.name_problem(self.context["request"].user, value):
            raise serializers.ValidationError(problem)
        return value


class NewTokenSerializer(TokenSerializer):
    """A token as created: the only answer that ever contains its secret."""

    secret = serializers.CharField(read_only=True)

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "secret"]


class WebhookUrlField(serializers.CharField):
    """Where to send this job's or batch's events: checked like a registered endpoint's URL
    (http(s), public addresses only unless WEBHOOK_ALLOWED_HOSTS allows the host)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_blank=False, max_length=2000, **kwargs)

    def to_internal_value(self, data):
        url = super().to_internal_value(data)
        try:
            outbox.check_webhook_url(url)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return url


TITLE_HELP = "What to call the video, up to 200 characters; by default the audio file's name."


class JobCreateSerializer(ScriptFields, SubmitSerializer):
    """The seed's submit inputs (or a script and a voice instead of the audio), plus the
    job's title and where to send its events."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="", help_text=TITLE_HELP)
    webhook_url = WebhookUrlField(
        help_text="Also send this job's events here, signed with your account's signing secret."
    )
    notify = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="E-mail me when this job ends (made, failed or timed "
        "out); absent or null: as in my notification settings.",
    )


class BatchItemInputSerializer(serializers.Serializer):
    image_url = InputReferenceField(help_text="An http(s) URL, a data: URI, or a file's `file_url`.")
    audio_url = InputReferenceField(help_text="An http(s) URL, a data: URI, or a file's `file_url`.")


class BatchCreateSerializer(serializers.Serializer):
    """One portrait with many clips (`image_url` + `audio_urls`), or `items` of pairs."""

    image_url = InputReferenceField(
        required=False, help_text="The portrait every clip is spoken by (with audio_urls)."
    )
    audio_urls = serializers.ListField(
        child=InputReferenceField(),
        required=False,
        allow_empty=False,
        help_text="The clips, one job each, in this order.",
    )
    items = BatchItemInputSerializer(
        many=True, required=False, allow_empty=False, help_text="Or pairs of inputs, one job each."
    )
    prompt = serializers.CharField(
        required=False, allow_blank=True, max_length=2500, default="", help_text="For every item."
    )
    model = serializers.ChoiceField(
        choices=MODEL_NAMES, required=False, default=DEFAULT_MODEL_NAME, help_text=MODEL_NAMES_HELP
    )
    webhook_url = WebhookUrlField(
        help_text="Send batch.completed here too, signed with your account's signing secret."
    )
    consent = consent_field()

    def get_fields(self):
        return {**super().get_fields(), **model_parameter_fields()}

    def validate(self, attrs):
        pairs = self._pairs(attrs)
        if len(pairs) > settings.MAX_BATCH_SIZE:
            field = "items" if attrs.get("items") else "audio_urls"
            raise serializers.ValidationError(
                {field: [f"A batch holds at most {settings.MAX_BATCH_SIZE} items; this one has {len(pairs)}."]}
            )
        # Checked once per distinct input: one portrait for a hundred clips is read once.
        checker = SubmitSerializer(context=self.context)
        checked, errors = {}, consent_errors(attrs)
        for index, pair in enumerate(pairs):
            for kind, url in zip(("image", "audio"), pair):
                if (kind, url) in checked:
                    continue
                try:
                    checked[(kind, url)] = checker.check_reference(url, kind)
                except serializers.ValidationError as exc:
                    checked[(kind, url)] = None
                    errors.setdefault(self._field_of(attrs, kind, index), exc.detail)
        if errors:
            raise serializers.ValidationError(errors)
        attrs["checked_items"] = [(checked[("image", image)], checked[("audio", audio)]) for image, audio in pairs]
        attrs["fal_model"] = model = find_model(attrs["model"])
        try:
            attrs["model_params"] = model.clean_params(
                {name: attrs.pop(name) for name in MODEL_PARAMETERS if name in attrs}
            )
        except InvalidModelParameters as exc:
            raise serializers.ValidationError(exc.errors) from None
        for index, (_, audio) in enumerate(attrs["checked_items"]):
            if problem := model.audio_problem(audio.duration, attrs["model_params"]):
                errors.setdefault(self._field_of(attrs, "audio", index), [problem])
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @staticmethod
    def _pairs(attrs):
        shared = attrs.get("image_url") or attrs.get("audio_urls")
        if attrs.get("items") and shared:
            raise serializers.ValidationError({"items": ["Give items, or image_url with audio_urls, not both."]})
        if attrs.get("items"):
            return [(item["image_url"], item["audio_url"]) for item in attrs["items"]]
        missing = {
            name: ["This field is required (or give items)."]
            for name in ("image_url", "audio_urls")
            if not attrs.get(name)
        }
        if missing:
            raise serializers.ValidationError(missing)
        return [(attrs["image_url"], audio) for audio in attrs["audio_urls"]]

    @staticmethod
    def _field_of(attrs, kind, index):
        if attrs.get("items"):
            return f"items.{index}.{kind}_url"
        return "image_url" if kind == "image" else f"audio_urls.{index}"


class BatchSerializer(serializers.ModelSerializer):
    url = DetailUrlField("v1:batch-detail")
    status = serializers.SerializerMethodField()
    model = serializers.CharField(source="endpoint_id", read_only=True)
    totals = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = ["id", "url", "status", "model", "prompt", "totals", "archive_url", "created_at", "finished_at"]

    def _totals(self, batch):
        if not hasattr(batch, "_totals"):
            batch._totals = batch.totals()
        return batch._totals

    @extend_schema_field(BatchTotalsSerializer)
    def get_totals(self, batch):
        return self._totals(batch)

    @extend_schema_field(serializers.ChoiceField(choices=BATCH_STATUSES))
    def get_status(self, batch):
        return batch.status_from(self._totals(batch))

    @extend_schema_field(
        serializers.URLField(
            allow_null=True, help_text="The zip of the videos, once the batch has finished with at least one."
        )
    )
    def get_archive_url(self, batch):
        if not batch.finished_at or not self._totals(batch)["completed"]:
            return None
        return reverse("v1:batch-archive", kwargs={"pk": batch.pk}, request=self.context.get("request"))


class BatchDetailSerializer(BatchSerializer):
    items = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "items"]

    @extend_schema_field(BatchItemSerializer(many=True))
    def get_items(self, batch):
        request = self.context.get("request")
        return [
            {
                "position": job.position,
                "job": job.pk,
                "status": job.state,
                "url": reverse("v1:job-detail", kwargs={"pk": job.pk}, request=request),
                "error": job.error or None,
            }
            for job in batch.jobs.annotate(position=F("batch_item__position")).only("id", "state", "error")
        ]


class ShareRequestSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="When the link stops opening; null or absent: never."
    )


class ShareLinkSerializer(serializers.Serializer):
    """A finished video's public link: a player page anyone can open, and an embeddable one."""

    url = serializers.URLField(help_text="The player page (`/s/<token>`); no account needed.")
    embed_url = serializers.URLField(help_text="The player alone, for an `<iframe>` on another site.")
    expires_at = serializers.DateTimeField(allow_null=True)
    views = serializers.IntegerField(help_text="Times the player or the embed was opened.")
    created_at = serializers.DateTimeField()
