from django.contrib import admin
from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
    # Before the admin's own URLs (config/urls.py includes these first), in its look and
    # behind its sign-in: staff only.
    path("admin/monitoring/", admin.site.admin_view(views.dashboard), name="dashboard"),
]
