from django.urls import path

from . import views

app_name = "outbox"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_new, name="new"),
    path("<uuid:endpoint_id>/", views.endpoint_detail, name="endpoint"),
    path("<uuid:endpoint_id>/enable/", views.endpoint_enable, name="endpoint-enable"),
    path("<uuid:endpoint_id>/disable/", views.endpoint_disable, name="endpoint-disable"),
    path("<uuid:endpoint_id>/delete/", views.endpoint_delete, name="endpoint-delete"),
    path("deliveries/<int:delivery_id>/redeliver/", views.redeliver, name="redeliver"),
]
