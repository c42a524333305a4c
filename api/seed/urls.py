from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("generate/kling-avatar/submit", views.SubmitView.as_view(), name="submit"),
    path("generate/kling-avatar/status", views.StatusView.as_view(), name="status"),
    path("generate/kling-avatar/result", views.ResultView.as_view(), name="result"),
    path("generate/kling-avatar/cancel", views.CancelView.as_view(), name="cancel"),
    path("generate/upload-file", views.UploadFileView.as_view(), name="upload-file"),
    path("jobs", views.JobListView.as_view(), name="jobs"),
    path("me", views.MeView.as_view(), name="me"),
]
