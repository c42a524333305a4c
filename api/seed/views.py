"""The JSON API: thin views that validate, call one service, and answer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import error_docs as errors
from core.json_bodies import JSONParser
from credits import services as credits
from jobs.inputs import SubmitSerializer, agreement
from jobs.models import Job, JobState
from jobs.services import admission, lifecycle, submission
from jobs.services.watching import note_watched

from ..errors import refusal, why_not_cancelled
from ..serializers import account_limits
from ..uploads import store_upload
from . import schema as doc
from .serializers import AssetSerializer, JobSerializer, RequestLookupSerializer, ResultSerializer


def _owned_job(request, data):
    lookup = RequestLookupSerializer(data=data)
    lookup.is_valid(raise_exception=True)
    jobs = Job.objects.filter(user=request.user)
    if job_id := lookup.validated_data.get("job_id"):
        return get_object_or_404(jobs, pk=job_id)
    return get_object_or_404(jobs, request_id=lookup.validated_data["request_id"])


class SubmitView(APIView):
    throttle_scope = "submit"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="kling_avatar_submit",
        summary="Create a job",
        description=(
            "Validates the inputs, holds the job's credits and answers at once; "
            "fal's `request_id` shows in status once the worker has submitted it."
        ),
        tags=["generate"],
        request={
            "application/json": doc.SubmitUrlsSerializer,
            "multipart/form-data": doc.SubmitFilesSerializer,
            "application/x-www-form-urlencoded": doc.SubmitUrlsSerializer,
        },
        examples=doc.SUBMIT_EXAMPLES,
        responses={201: doc.SUBMITTED, 402: errors.INSUFFICIENT_CREDITS, 429: errors.SUBMIT_REFUSED},
    )
    def post(self, request):
        serializer = SubmitSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        checked = data["checked"]
        # fal is called by the worker, not here: the answer (our job id, `pending`) comes
        # at once whatever fal does; status shows fal's request id once it is submitted.
        try:
            job = submission.create_job(
                user=request.user,
                model=data["fal_model"],
                image=checked["image"],
                audio=checked["audio"],
                prompt=data["prompt"],
                agreement=agreement(request, data),
                model_params=data["model_params"],
            )
        except (admission.TooManyActiveJobs, credits.InsufficientCredits) as exc:
            return refusal(exc)
        body = JobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class StatusView(APIView):
    throttle_scope = "read"

    @extend_schema(
        operation_id="kling_avatar_status",
        summary="A job's status",
        description="State, queue position, the model's log lines, error and timestamps.",
        tags=["generate"],
        request=RequestLookupSerializer,
        examples=doc.LOOKUP_EXAMPLES,
        responses={200: doc.JOB_STATUS, 404: doc.JOB_NOT_FOUND},
    )
    def post(self, request):
        job = _owned_job(request, request.data)
        note_watched(job)
        return Response(JobSerializer(job, context={"request": request}).data)


class ResultView(APIView):
    throttle_scope = "read"

    @extend_schema(
        operation_id="kling_avatar_result",
        summary="A completed job's video",
        tags=["generate"],
        request=RequestLookupSerializer,
        examples=doc.LOOKUP_EXAMPLES,
        responses={200: doc.RESULT, 404: doc.JOB_NOT_FOUND, 409: doc.NO_RESULT_YET},
    )
    def post(self, request):
        job = _owned_job(request, request.data)
        if job.state != JobState.COMPLETED:
            detail = f"The job is {job.get_state_display().lower()}; it has no result."
            if job.error:
                detail += f" {job.error}"
            return Response(
                {"detail": detail, "code": "job_not_completed", "status": job.state}, status=status.HTTP_409_CONFLICT
            )
        return Response(ResultSerializer(job, context={"request": request}).data)


class UploadFileView(APIView):
    throttle_scope = "upload"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="upload_file",
        summary="Upload an input file",
        description="Checks that the file is a real image or audio file and puts it in fal storage once per content.",
        tags=["generate"],
        request={"multipart/form-data": doc.UploadFileSerializer},
        responses={201: doc.UPLOADED, 502: doc.FAL_STORAGE_FAILED},
    )
    def post(self, request):
        asset = store_upload(request)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)


class JobListView(APIView):
    throttle_scope = "read"
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="list_jobs",
        summary="Your jobs, newest first",
        tags=["jobs"],
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description=f"Only jobs in this state: {', '.join(JobState.values)} (any other value matches none).",
            )
        ],
        responses={200: doc.JOB_PAGE},
    )
    def get(self, request):
        paginator = self.pagination_class()
        jobs = Job.objects.listed().filter(user=request.user).order_by("-created_at")
        if state := request.query_params.get("status"):
            # A value that is no state matches no job; it never reaches the database (a NUL
            # byte in it was a 500 on PostgreSQL).
            jobs = jobs.filter(state=state) if state in JobState.values else jobs.none()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(JobSerializer(page, many=True, context={"request": request}).data)


class CancelView(APIView):
    throttle_scope = "read"

    @extend_schema(
        operation_id="kling_avatar_cancel",
        summary="Cancel an unfinished job",
        description="Cancels the job here and at fal; its held credits come back.",
        tags=["generate"],
        request=RequestLookupSerializer,
        examples=doc.LOOKUP_EXAMPLES,
        responses={200: doc.CANCELLED, 404: doc.JOB_NOT_FOUND, 409: doc.NOT_CANCELLABLE},
    )
    def post(self, request):
        job = _owned_job(request, request.data)
        job, cancelled = lifecycle.cancel_job(job.id, by=request.user.get_username())
        if not cancelled:
            code = "job_finished" if job.is_finished else "job_being_stored"
            return Response(
                {"detail": why_not_cancelled(job), "code": code, "status": job.state}, status=status.HTTP_409_CONFLICT
            )
        return Response(JobSerializer(job, context={"request": request}).data)


class MeView(APIView):
    """Who the token belongs to: lets API consumers check their credentials."""

    throttle_scope = "read"

    @extend_schema(operation_id="me", summary="Whose token this is", tags=["account"], responses={200: doc.ME})
    def get(self, request):
        return Response(
            {
                "username": request.user.get_username(),
                "balance": credits.account_for(request.user).balance,
                "limits": account_limits(),
            }
        )
