from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as accounts
from limits.login import LimitedLoginView

from . import speech_views, views

# Account pages keep Django's own names ("login", "password_reset", ...) so
# settings.LOGIN_URL and the password-reset e-mail find them.
account_patterns = [
    path("login/", LimitedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.sign_up, name="signup"),
    path("verify/<uidb64>/<token>/", accounts.verify_email, name="verify_email"),
    path("verify/again/", accounts.send_confirmation_again, name="verify_email_again"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

avatar_patterns = [
    path("", views.home, name="home"),
    path("example/<str:name>", views.example_file, name="example"),
    path("create/", views.create, name="create"),
    path("estimate/", views.estimate, name="estimate"),
    path("estimate/script/", speech_views.script_estimate, name="script-estimate"),
    path("voices/<str:voice>/sample/", speech_views.voice_preview, name="voice-preview"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/new/", views.batch_create, name="batch-create"),
    path("batches/<uuid:batch_id>/", views.batch_detail, name="batch"),
    path("batches/<uuid:batch_id>/status/", views.batch_status, name="batch-status"),
    path("videos/", views.gallery, name="gallery"),
    path("videos/<uuid:job_id>/", views.job_detail, name="job"),
    path("videos/<uuid:job_id>/status/", views.job_status, name="job-status"),
    path("videos/<uuid:job_id>/events/", views.job_events, name="job-events"),
    path("videos/<uuid:job_id>/title/", views.job_title, name="job-title"),
    path("videos/<uuid:job_id>/cancel/", views.job_cancel, name="job-cancel"),
    path("videos/<uuid:job_id>/retry/", views.job_retry, name="job-retry"),
    path("videos/<uuid:job_id>/download/", views.job_download, name="job-download"),
    path("videos/<uuid:job_id>/delete/", views.job_delete, name="job-delete"),
]

urlpatterns = [
    path("accounts/", include(account_patterns)),
    path("", include((avatar_patterns, "avatars"))),
]
