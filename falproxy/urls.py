from django.urls import path

from . import views

app_name = "falproxy"

urlpatterns = [
    path("proxy", views.ProxyView.as_view(), name="proxy"),
    path("uploads/<uuid:upload_id>", views.upload, name="upload"),
    path("files/<uuid:upload_id>", views.FileView.as_view(), name="file"),
]
