"""How drf-spectacular describes our API views (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS).

A view declares its success answer and its own domain errors (402, 409, ...); the errors
the stack around every view can answer (bad input, authentication, CSRF, lookups, the
request-size guard, the parsers, the rate limits) are added here from what the operation
is, so a new view or ViewSet is documented completely without repeating them.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import AllowAny

from . import error_docs as errors

BODY_METHODS = {"POST", "PUT", "PATCH"}


class ApiSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status_code, response in self.common_errors(operation).items():
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(response, status_code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if getattr(self.view, "throttle_scope", None):
            retry_after = OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                response=[429],
                description="Seconds until a request is accepted again.",
            )
            parameters = [*parameters, retry_after]
        return parameters

    def common_errors(self, operation):
        """The error answers any view like this one can give, by status code."""
        has_body = self.method in BODY_METHODS
        common = {}
        if has_body or operation.get("parameters"):
            common["400"] = errors.VALIDATION_ERROR
        if self.requires_authentication():
            common["401"] = errors.NOT_AUTHENTICATED
            common["403"] = errors.PERMISSION_DENIED
        if "{" in self.path or self.is_paginated():
            common["404"] = errors.NOT_FOUND
        if has_body:
            common["411"] = errors.LENGTH_REQUIRED
            common["413"] = errors.REQUEST_TOO_LARGE
            common["415"] = errors.UNSUPPORTED_MEDIA_TYPE
        if getattr(self.view, "throttle_scope", None):
            common["429"] = errors.RATE_LIMITED
        return common

    def _is_list_view(self, serializer=None):
        # drf-spectacular looks through a bare serializer but not through an OpenApiResponse
        # (one with examples): a paginated list answered that way lost its `page` parameter.
        if serializer is None:
            serializer = self.get_response_serializers()
        if isinstance(serializer, dict) and serializer:
            serializer = serializer[min(serializer, key=str)]
        if isinstance(serializer, OpenApiResponse):
            serializer = serializer.response
        return super()._is_list_view(serializer)

    def requires_authentication(self):
        return not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def is_paginated(self):
        # A page number past the end (or not a number) is a 404 from DRF's paginator.
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None


def only_the_api(endpoints, **kwargs):
    """PREPROCESSING_HOOKS: the schema is the JSON API under /api/. (The owner-only media
    files at /media/ are served by a DRF view too, but they are files, not the API.)"""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
