"""The webhook-endpoints resource of the REST API (the v1 router registers it):

    GET/POST          webhook-endpoints/                   list, create (answers the secret, once)
    GET/PUT/PATCH/DELETE webhook-endpoints/<id>/            one endpoint; update url, events,
                                                            description, enabled
    GET               webhook-endpoints/<id>/deliveries/    its deliveries with their attempts
    POST              webhook-endpoints/<id>/redeliver/     {"message_id": ...}: send it again
    GET               webhook-endpoints/signing-secret/     the secret of one-off webhook_urls

Every query is scoped to the signed-in user: another user's endpoint is a 404.
"""

from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from . import selectors, services
from .models import WebhookEndpoint
from .serializers import (
    DeliverySerializer,
    RedeliverSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)


class WebhookEndpointViewSet(viewsets.ModelViewSet):
    # Only the model, for the schema's path parameter: every query is get_queryset's.
    queryset = WebhookEndpoint.objects.none()
    serializer_class = WebhookEndpointSerializer
    throttle_scope = "read"

    def get_queryset(self):
        return selectors.endpoints_of(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint = services.create_endpoint(
            request.user, url=data["url"], events=data.get("events", []), description=data.get("description", "")
        )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        endpoint = self.get_object()
        serializer = self.get_serializer(endpoint, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint = services.update_endpoint(
            endpoint,
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
            enabled=data.get("is_active"),
        )
        return Response(self.get_serializer(endpoint).data)

    def perform_destroy(self, endpoint):
        services.delete_endpoint(endpoint)

    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(selectors.deliveries_to(self.get_object()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        endpoint = self.get_object()
        serializer = RedeliverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = selectors.message_of(request.user, serializer.validated_data["message_id"])
        if message is None:
            raise NotFound("No such message.")
        try:
            delivery = services.redeliver(message, endpoint=endpoint)
        except services.EndpointDisabled as exc:
            return Response({"detail": str(exc), "code": "endpoint_disabled"}, status=status.HTTP_409_CONFLICT)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=False, methods=["get"], url_path="signing-secret")
    def signing_secret(self, request):
        return Response({"secret": services.signing_secret_for(request.user)})
