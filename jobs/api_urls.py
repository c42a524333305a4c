from django.urls import path

from . import api

app_name = "api"
urlpatterns = [
    path("generate/kling-avatar/submit", api.SubmitView.as_view(), name="submit"),
    path("generate/kling-avatar/status", api.StatusView.as_view(), name="status"),
    path("generate/kling-avatar/result", api.ResultView.as_view(), name="result"),
    path("generate/kling-avatar/cancel", api.CancelView.as_view(), name="cancel"),
    path("generate/upload-file", api.UploadFileView.as_view(), name="upload-file"),
    path("jobs", api.JobListView.as_view(), name="jobs"),
    path("me", api.MeView.as_view(), name="me"),
]
