from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("fal/<uuid:job_id>/", views.fal_webhook, name="fal"),
]
