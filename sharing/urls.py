from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("s/<str:token>", views.player, name="player"),
    path("s/<str:token>/embed", views.embed, name="embed"),
    path("s/<str:token>/video.mp4", views.video, name="video"),
    path("s/<str:token>/poster.jpg", views.poster, name="poster"),
    path("videos/<uuid:job_id>/share/", views.manage, name="manage"),
]
