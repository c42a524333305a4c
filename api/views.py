"""The v1 resources: thin viewsets over the same services the seed's endpoints use. Every
queryset is the requesting user's own, so another user's id answers 404."""

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import error_docs as errors
from api.seed import schema as seed_doc
from batches import archive
from batches import services as batches
from batches.models import Batch
from core.json_bodies import JSONParser
from credits import services as credits
from credits.models import LedgerEntry
from jobs.inputs import agreement
from jobs.models import Asset, Job
from jobs.services import admission, lifecycle, submission
from jobs.services.watching import note_watched
from notifications import services as notifications
from outbox import api as outbox_api
from outbox import services as outbox
from outbox.serializers import RedeliverSerializer, WebhookEndpointSerializer
from sharing import services as sharing
from sharing.models import ShareLink

from . import api_schema as doc
from .errors import refusal, why_not_cancelled
from .idempotency import idempotent
from .models import ApiToken
from .pagination import NewestFirst
from .serializers import (
    AccountSerializer,
    BatchCreateSerializer,
    BatchDetailSerializer,
    BatchSerializer,
    FileSerializer,
    JobCreateSerializer,
    JobFilterSerializer,
    JobSerializer,
    JobTitleSerializer,
    NewTokenSerializer,
    ShareLinkSerializer,
    ShareRequestSerializer,
    TokenSerializer,
    account_limits,
)
from .uploads import store_upload


def created(serializer_class, obj, request):
    body = serializer_class(obj, context={"request": request}).data
    return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


# Any id up to the next slash reaches the view, whose lookup answers a JSON 404 for one that
# is no id; DRF's default pattern stops at a dot, so `/api/v1/jobs/0.5` matched no URL and
# got Django's HTML 404 page.
ANY_ID = "[^/]+"


class OwnedViewSet(viewsets.GenericViewSet):
    pagination_class = NewestFirst
    lookup_value_regex = ANY_ID
    # Throttle scope per action (limits.throttles.UserScopedThrottle reads `throttle_scope`).
    create_scope = "submit"

    @property
    def throttle_scope(self):
        return self.create_scope if self.action == "create" else "read"

    def get_queryset(self):
        return self.queryset.filter(user=self.request.user)


def with_costs(jobs):
    """Jobs with what was held and charged for each, and their batch, in the same query."""
    entries = LedgerEntry.objects.filter(job=OuterRef("pk"))
    return jobs.annotate(
        batch_id=F("batch_item__batch_id"),
        # What the job holds: its reserve, less the part given back once a script's speech was measured.
        credits_held=Subquery(entries.filter(kind=LedgerEntry.Kind.RESERVE).values("amount")[:1])
        - Coalesce(Subquery(entries.filter(kind=LedgerEntry.Kind.LOWER).values("amount")[:1]), 0),
        credits_charged=Subquery(entries.filter(kind=LedgerEntry.Kind.CAPTURE).values("amount")[:1]),
    )


@extend_schema_view(
    list=extend_schema(summary="Your jobs, newest first", parameters=doc.JOB_FILTERS, responses={200: doc.JOB_PAGE}),
    retrieve=extend_schema(
        summary="A job",
        description="Status, queue position, logs, timings, credits held and charged, and the video once made.",
        responses={200: doc.JOB},
    ),
    destroy=extend_schema(
        summary="Delete a job", description="Deletes the job and its files; an unfinished job is cancelled first."
    ),
    partial_update=extend_schema(
        summary="Rename a job",
        description="Changes the job's `title`, the only field that can be changed.",
        request=JobTitleSerializer,
        responses={200: doc.JOB},
    ),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    queryset = Job.objects.all()
    serializer_class = JobSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        jobs = with_costs(super().get_queryset())
        if self.action != "list":
            return jobs
        filters = JobFilterSerializer(data=self.request.query_params)
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        wanted = filters.validated_data
        jobs = jobs.listed()  # a long video's segments show under it (its `segments`)
        if wanted.get("status"):
            jobs = jobs.filter(state__in=wanted["status"])
        if wanted.get("model"):
            jobs = jobs.filter(endpoint_id=wanted["model"])
        if wanted.get("batch"):
            jobs = jobs.filter(batch_item__batch_id=wanted["batch"])
        if wanted.get("created_after"):
            jobs = jobs.filter(created_at__gte=wanted["created_after"])
        if wanted.get("created_before"):
            jobs = jobs.filter(created_at__lt=wanted["created_before"])
        return jobs

    @doc.creating(
        summary="Create a job",
        description="Validates the inputs, holds the job's credits and answers at "
        "once; fal's `request_id` shows once the worker has submitted it.",
        request={
            "application/json": doc.JobUrlsSerializer,
            "multipart/form-data": doc.JobFilesSerializer,
            "application/x-www-form-urlencoded": doc.JobUrlsSerializer,
        },
        examples=doc.JOB_REQUEST_EXAMPLES,
        created=doc.JOB_CREATED,
        errors={402: doc.insufficient_credits("This job", 1426), 429: errors.SUBMIT_REFUSED},
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = JobCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            # One transaction: the job's first event can't happen before its subscription.
            with transaction.atomic():
                job = submission.create_job(
                    user=request.user,
                    model=data["fal_model"],
                    image=data["checked"]["image"],
                    audio=data["checked"].get("audio"),
                    script=data.get("script"),
                    prompt=data["prompt"],
                    title=data["title"],
                    agreement=agreement(request, data),
                    model_params=data["model_params"],
                    savepoint=False,  # a refusal leaves this block, which rolls back whole
                )
                if data.get("webhook_url"):
                    outbox.subscribe_job(job, data["webhook_url"])
                notifications.choose_for_job(job, data["notify"])
        except (admission.TooManyActiveJobs, credits.InsufficientCredits) as exc:
            return refusal(exc, with_shortfall=True)
        # What with_costs would read back, known here: a new job is in no batch and charged nothing.
        job.credits_held = submission.credits_to_hold(job)
        return created(JobSerializer, job, request)

    def retrieve(self, request, pk=None):
        job = self.get_object()
        note_watched(job)  # a client polling a job follows it live: so do we (jobs.schedule)
        return Response(self.get_serializer(job).data)

    def destroy(self, request, pk=None):
        lifecycle.delete_job(self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def partial_update(self, request, pk=None):
        job = self.get_object()
        serializer = JobTitleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lifecycle.rename_job(job.pk, serializer.validated_data["title"])
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data)

    @extend_schema(
        summary="Cancel a job",
        description="Cancels the job here and at fal; its held credits come back.",
        request=doc.NO_BODY,
        responses={200: doc.JOB_CANCELLED, 409: doc.JOB_NOT_CANCELLABLE},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job, cancelled = lifecycle.cancel_job(self.get_object().pk, by=request.user.get_username())
        if not cancelled:
            body = {"detail": why_not_cancelled(job), "code": "not_cancellable", "status": job.state}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data)

    @extend_schema(
        methods=["POST"],
        summary="Share a finished video",
        description="Makes (or keeps, with this expiry) an unguessable link anyone can watch the video at; "
        "the token stays the same until the link is revoked.",
        request=ShareRequestSerializer,
        responses={200: doc.SHARE_LINK_KEPT, 201: doc.SHARE_LINK_MADE, 409: doc.JOB_NOT_SHAREABLE},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Revoke the share link",
        description="The page and its video stop opening at once.",
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["post", "delete"])
    def share(self, request, pk=None):
        job = self.get_object()
        if request.method == "DELETE":
            sharing.revoke(job)
            return Response(status=status.HTTP_204_NO_CONTENT)
        wanted = ShareRequestSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        existed = ShareLink.objects.filter(job=job).exists()
        try:
            link = sharing.share(job, expires_at=wanted.validated_data["expires_at"])
        except sharing.NotShareable as exc:
            return Response(
                {"detail": str(exc), "code": exc.code, "status": job.state}, status=status.HTTP_409_CONFLICT
            )
        body = ShareLinkSerializer(
            {
                **sharing.share_urls(request, link),
                "expires_at": link.expires_at,
                "views": link.views,
                "created_at": link.created_at,
            }
        ).data
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class ZipOrJsonError(DefaultContentNegotiation):
    """The archive answers a zip, or an error in JSON, whatever Accept asks for (RFC 9110
    lets a server disregard it): a client asking for application/zip got a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(
    list=extend_schema(summary="Your batches, newest first", responses={200: doc.BATCH_PAGE}),
    retrieve=extend_schema(
        summary="A batch", description="Its status and totals, and every item.", responses={200: doc.BATCH}
    ),
)
class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """Many jobs in one request, with totals, one end and a zip of the videos."""

    queryset = Batch.objects.all()
    parser_classes = [JSONParser]

    def get_serializer_class(self):
        return BatchDetailSerializer if self.action == "retrieve" else BatchSerializer

    @doc.creating(
        summary="Create a batch",
        description=(
            "One job per item, from one portrait with many clips (`image_url` + `audio_urls`) or from `items` "
            "of pairs, up to `MAX_BATCH_SIZE` (100). Made whole or refused whole: every item's credits are held, "
            "and only items that make a video are charged."
        ),
        request=BatchCreateSerializer,
        examples=doc.BATCH_REQUEST_EXAMPLES,
        created=doc.BATCH_CREATED,
        errors={402: doc.insufficient_credits("This batch of 3", 4278)},
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = BatchCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            batch = batches.create_batch(
                user=request.user,
                model=data["fal_model"],
                items=data["checked_items"],
                prompt=data["prompt"],
                webhook_url=data.get("webhook_url", ""),
                agreement=agreement(request, data),
                model_params=data["model_params"],
            )
        except credits.InsufficientCredits as exc:
            return refusal(exc, with_shortfall=True)
        return created(BatchDetailSerializer, batch, request)

    @extend_schema(
        summary="Cancel a batch's unfinished items", request=doc.NO_BODY, responses={200: doc.BATCH_CANCELLED}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        batch = self.get_object()
        batches.cancel_batch(batch, by=request.user.get_username())
        return Response(BatchDetailSerializer(Batch.objects.get(pk=batch.pk), context={"request": request}).data)

    @extend_schema(
        summary="A finished batch's videos as one zip",
        responses={(200, "application/zip"): doc.ARCHIVE, 409: doc.ARCHIVE_NOT_READY},
    )
    @action(detail=True, methods=["get"], content_negotiation_class=ZipOrJsonError)
    def archive(self, request, pk=None):
        """The finished batch's videos as one zip, streamed."""
        batch = self.get_object()
        if not batch.finished_at or not archive.completed_videos(batch).exists():
            detail = (
                "The batch has not finished yet." if not batch.finished_at else "No item of this batch made a video."
            )
            return Response({"detail": detail, "code": "archive_not_ready"}, status=status.HTTP_409_CONFLICT)
        response = StreamingHttpResponse(archive.stream_videos(batch), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}.zip"'
        return response


@extend_schema_view(
    list=extend_schema(summary="Your uploaded files, newest first", responses={200: doc.FILE_PAGE}),
    retrieve=extend_schema(summary="An uploaded file", responses={200: doc.FILE_ANSWER}),
    destroy=extend_schema(
        summary="Forget an uploaded file", description="Jobs already made from it keep their inputs."
    ),
)
class FileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OwnedViewSet):
    """Inputs uploaded to fal storage; pass a file's `file_url` as a job's image_url/audio_url.
    Deleting one forgets it here (jobs already made from it keep their inputs)."""

    queryset = Asset.objects.all()
    serializer_class = FileSerializer
    parser_classes = [MultiPartParser, FormParser]
    create_scope = "upload"

    @doc.creating(
        summary="Upload an input file",
        description="Checks that the file is a real image or audio file and puts it in fal storage once per content.",
        request={"multipart/form-data": seed_doc.UploadFileSerializer},
        created=doc.FILE_CREATED,
        errors={502: doc.FAL_UNAVAILABLE},
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        asset = store_upload(request)
        return created(FileSerializer, asset, request)


@extend_schema_view(
    list=extend_schema(summary="Your active API tokens", responses={200: doc.TOKEN_PAGE}),
    retrieve=extend_schema(summary="An API token", responses={200: doc.TOKEN_ANSWER}),
    destroy=extend_schema(summary="Revoke an API token", description="Requests with it are refused from now on."),
)
class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """Named API tokens. The secret is in the creating answer only; revoking is DELETE."""

    queryset = ApiToken.objects.active()
    serializer_class = TokenSerializer
    create_scope = "read"

    @doc.creating(summary="Create an API token", request=TokenSerializer, created=doc.TOKEN_CREATED)
    def create(self, request):
        return idempotent(request, lambda: self._create(request), secret_fields=("secret",))

    def _create(self, request):
        serializer = TokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, secret = ApiToken.issue(request.user, serializer.validated_data["name"])
        token.secret = secret
        return created(NewTokenSerializer, token, request)

    def destroy(self, request, pk=None):
        self.get_object().revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Your webhook endpoints", responses={200: doc.WEBHOOK_ENDPOINT_PAGE}),
    retrieve=extend_schema(summary="A webhook endpoint", responses={200: doc.WEBHOOK_ENDPOINT_ANSWER}),
    update=extend_schema(summary="Change a webhook endpoint", responses={200: doc.WEBHOOK_ENDPOINT_ANSWER}),
    partial_update=extend_schema(
        summary="Change some of a webhook endpoint", responses={200: doc.WEBHOOK_ENDPOINT_ANSWER}
    ),
    destroy=extend_schema(summary="Delete a webhook endpoint"),
    deliveries=extend_schema(
        summary="Deliveries to a webhook endpoint, newest first", responses={200: doc.DELIVERY_PAGE}
    ),
    redeliver=extend_schema(
        summary="Send a message to a webhook endpoint again",
        request=RedeliverSerializer,
        responses={202: doc.REDELIVERED, 404: doc.NO_SUCH_MESSAGE, 409: doc.ENDPOINT_DISABLED},
    ),
    signing_secret=extend_schema(
        summary="The secret that signs deliveries to one-off webhook_urls", responses={200: doc.SIGNING_SECRET_ANSWER}
    ),
)
class WebhookEndpointViewSet(outbox_api.WebhookEndpointViewSet):
    """Registered webhook endpoints (outbox): the v1 conventions of pages and idempotency."""

    pagination_class = NewestFirst
    lookup_value_regex = ANY_ID

    @doc.creating(
        summary="Register a webhook endpoint",
        description="Every event of yours (or of the `events` listed) is "
        "sent here, signed with the endpoint's own secret.",
        request=WebhookEndpointSerializer,
        created=doc.WEBHOOK_ENDPOINT_CREATED,
        location=False,
    )
    def create(self, request, *args, **kwargs):
        create = super().create
        return idempotent(request, lambda: create(request, *args, **kwargs), secret_fields=("secret",))


class MeView(APIView):
    throttle_scope = "read"

    @extend_schema(summary="Who you are, your balance and limits", responses={200: doc.ACCOUNT})
    def get(self, request):
        user = request.user
        account = AccountSerializer(
            {
                "id": user.pk,
                "username": user.get_username(),
                "email": user.email,
                "balance": credits.account_for(user).balance,
                "limits": account_limits(),
            }
        )
        return Response(account.data)
