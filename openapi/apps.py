from django.apps import AppConfig


class OpenApiConfig(AppConfig):
    name = "openapi"
    verbose_name = "OpenAPI schema and docs"
