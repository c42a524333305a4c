"""Production safety: remote mode (real fal, real money) refuses to start on settings that
are only fit for a laptop. Local mode, the default, needs no configuration at all."""

import logging

from django.conf import settings
from django.core import checks
from django.core.checks.security.base import SECRET_KEY_INSECURE_PREFIX
from django.core.exceptions import ImproperlyConfigured

# Django's own rule for a strong key (security.W009).
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5
PLACEHOLDER_WORDS = ("change-me", "replace-me")  # .env.example's placeholders
DEVELOPMENT_MAIL_BACKENDS = ("console", "locmem", "dummy", "filebased")


@checks.register(checks.Tags.security)
def check_production_settings(app_configs=None, **kwargs):
    if settings.FAL_MODE != "remote":
        return []
    problems = []
    key = settings.SECRET_KEY
    # `startproject` writes "django-insecure-..." keys: made for a laptop, long enough to pass
    # the length rule, and often copied into a real deployment's settings.
    placeholder = (
        key == settings.DEVELOPMENT_SECRET_KEY
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
        or any(word in key for word in PLACEHOLDER_WORDS)
    )
    if placeholder or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS:
        problems.append(
            checks.Error(
                "SECRET_KEY is the development default or too weak for remote mode.",
                hint=f"Set SECRET_KEY to a random value of at least {MIN_SECRET_KEY_LENGTH} characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="project.E001",
            )
        )
    if settings.DEBUG:
        problems.append(
            checks.Error(
                "DEBUG is on in remote mode; error pages would show settings and code to anyone.",
                hint="Set DEBUG=false.",
                id="project.E002",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(
            checks.Error(
                "ALLOWED_HOSTS contains '*' in remote mode.",
                hint="List the host names this app is served at.",
                id="project.E003",
            )
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def check_mail_delivery(app_configs=None, **kwargs):
    backend = settings.MAILERS.get("default", {}).get("BACKEND", "")
    if any(f".{name}." in backend for name in DEVELOPMENT_MAIL_BACKENDS):
        return [
            checks.Warning(
                "E-mail (password resets) is not delivered: a development mail backend is configured.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="project.W001",
            )
        ]
    return []


def refuse_to_start_on_errors():
    """WSGI servers and task workers don't all run system checks; make a broken setup stop
    them at start-up anyway, with a message that never repeats a secret."""
    problems = checks.run_checks(include_deployment_checks=False)
    for warning in (problem for problem in problems if not problem.is_serious()):
        logging.getLogger("config").warning("%s %s", warning.msg, warning.hint or "")
    errors = [problem for problem in problems if problem.is_serious()]
    if errors:
        raise ImproperlyConfigured(" ".join(f"{error.msg} {error.hint or ''}".strip() for error in errors))
