"""The v1 resources: thin viewsets over the same services the seed's endpoints use. Every
queryset is the requesting user's own, so another user's id answers 404."""

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.http import StreamingHttpResponse
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from batches import archive
from batches import services as batches
from batches.models import Batch
from credits import services as credits
from credits.models import LedgerEntry
from jobs import fal
from jobs.models import Asset, Job
from jobs.serializers import UploadSerializer
from jobs.services import admission, assets, lifecycle, submission
from outbox import api as outbox_api
from outbox import services as outbox

from .idempotency import idempotent
from .models import ApiToken
from .pagination import NewestFirst
from .serializers import (
    BatchCreateSerializer,
    BatchDetailSerializer,
    BatchSerializer,
    FileSerializer,
    JobCreateSerializer,
    JobFilterSerializer,
    JobSerializer,
    NewTokenSerializer,
    TokenSerializer,
)


def refusal(exc):
    """The answer to a request refused by a limit or the balance: nothing was created."""
    if isinstance(exc, admission.TooManyActiveJobs):
        body = {"detail": str(exc), "code": exc.code, "limit": exc.limit}
        return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
    body = {"detail": str(exc), "code": exc.code, "balance": exc.balance, "price": exc.price, "shortfall": exc.shortfall}
    return Response(body, status=status.HTTP_402_PAYMENT_REQUIRED)


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
        credits_held=Subquery(entries.filter(kind=LedgerEntry.Kind.RESERVE).values("amount")[:1]),
        credits_charged=Subquery(entries.filter(kind=LedgerEntry.Kind.CAPTURE).values("amount")[:1]),
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
                    user=request.user, model=data["fal_model"], image=data["checked"]["image"], audio=data["checked"]["audio"],
                    prompt=data["prompt"],
                )
                if data.get("webhook_url"):
                    outbox.subscribe_job(job, data["webhook_url"])
        except (admission.TooManyActiveJobs, credits.InsufficientCredits) as exc:
            return refusal(exc)
        return created(JobSerializer, with_costs(Job.objects.filter(pk=job.pk)).get(), request)

    def destroy(self, request, pk=None):
        lifecycle.delete_job(self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job, cancelled = lifecycle.cancel_job(self.get_object().pk, by=request.user.get_username())
        if not cancelled:
            detail = (
                f"The job is already {job.get_state_display().lower()}."
                if job.is_finished
                else "fal has already made this video; it is being stored and can't be cancelled."
            )
            return Response({"detail": detail, "code": "not_cancellable", "status": job.state}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data)


class ZipOrJsonError(DefaultContentNegotiation):
    """The archive answers a zip, or an error in JSON, whatever Accept asks for (RFC 9110
    lets a server disregard it): a client asking for application/zip got a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """Many jobs in one request, with totals, one end and a zip of the videos."""

    queryset = Batch.objects.all()
    parser_classes = [JSONParser]

    def get_serializer_class(self):
        return BatchDetailSerializer if self.action == "retrieve" else BatchSerializer

    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = BatchCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            batch = batches.create_batch(
                user=request.user, model=data["fal_model"], items=data["checked_items"], prompt=data["prompt"],
                webhook_url=data.get("webhook_url", ""),
            )
        except credits.InsufficientCredits as exc:
            return refusal(exc)
        return created(BatchDetailSerializer, batch, request)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        batch = self.get_object()
        batches.cancel_batch(batch, by=request.user.get_username())
        return Response(BatchDetailSerializer(Batch.objects.get(pk=batch.pk), context={"request": request}).data)

    @action(detail=True, methods=["get"], content_negotiation_class=ZipOrJsonError)
    def archive(self, request, pk=None):
        """The finished batch's videos as one zip, streamed."""
        batch = self.get_object()
        if not batch.finished_at or not archive.completed_videos(batch).exists():
            detail = "The batch has not finished yet." if not batch.finished_at else "No item of this batch made a video."
            return Response({"detail": detail, "code": "archive_not_ready"}, status=status.HTTP_409_CONFLICT)
        response = StreamingHttpResponse(archive.stream_videos(batch), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}.zip"'
        return response


class FileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OwnedViewSet):
    """Inputs uploaded to fal storage; pass a file's `file_url` as a job's image_url/audio_url.
    Deleting one forgets it here (jobs already made from it keep their inputs)."""

    queryset = Asset.objects.all()
    serializer_class = FileSerializer
    parser_classes = [MultiPartParser, FormParser]
    create_scope = "upload"

    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            asset = assets.upload_asset(request.user, serializer.validated_data["file"])
        except fal.FalError as exc:
            body = {"detail": f"Uploading to fal storage failed: {exc.message}", "code": "fal_unavailable"}
            return Response(body, status=status.HTTP_502_BAD_GATEWAY)
        return created(FileSerializer, asset, request)


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """Named API tokens. The secret is in the creating answer only; revoking is DELETE."""

    queryset = ApiToken.objects.active()
    serializer_class = TokenSerializer
    create_scope = "read"

    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = TokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, secret = ApiToken.issue(request.user, serializer.validated_data["name"])
        token.secret = secret
        return created(NewTokenSerializer, token, request)

    def destroy(self, request, pk=None):
        self.get_object().revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointViewSet(outbox_api.WebhookEndpointViewSet):
    """Registered webhook endpoints (outbox): the v1 conventions of pages and idempotency."""

    pagination_class = NewestFirst
    lookup_value_regex = ANY_ID

    def create(self, request, *args, **kwargs):
        return idempotent(request, lambda: super(WebhookEndpointViewSet, self).create(request, *args, **kwargs))


class MeView(APIView):
    throttle_scope = "read"

    def get(self, request):
        user = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.get_username(),
                "email": user.email,
                "balance": credits.account_for(user).balance,
                "limits": {
                    "max_active_jobs": settings.MAX_ACTIVE_JOBS_PER_USER,
                    "max_batch_size": settings.MAX_BATCH_SIZE,
                    "max_audio_seconds": settings.MAX_AUDIO_SECONDS,
                    "max_image_bytes": settings.MAX_IMAGE_BYTES,
                    "max_audio_bytes": settings.MAX_AUDIO_BYTES,
                },
            }
        )
