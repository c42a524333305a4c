"""System checks: a remote-mode fal configuration that cannot work fails `manage.py check`
and every start-up, with a message that never repeats the key."""

import logging

from django.conf import settings
from django.core import checks

from . import fal


@checks.register(checks.Tags.compatibility, deploy=False)
def check_fal_configuration(app_configs=None, **kwargs):
    if settings.FAL_MODE != "remote":
        return []
    problems = []
    if problem := fal.key_problem(settings.FAL_KEY):
        problems.append(checks.Error(problem, hint="Set FAL_KEY to a key from fal.ai's dashboard, or unset it to use the local engine.", id="jobs.E001"))
    if not settings.PUBLIC_BASE_URL:
        problems.append(
            checks.Warning(
                "PUBLIC_BASE_URL is not set, so fal cannot call our webhook; jobs finish by polling only.",
                hint="Set PUBLIC_BASE_URL to the https address fal can reach this app at.",
                id="jobs.W001",
            )
        )
    return problems


def refuse_to_start_on_fal_errors():
    """WSGI servers don't run system checks; make a broken fal setup stop them at start-up."""
    from django.core.exceptions import ImproperlyConfigured

    problems = check_fal_configuration()
    for warning in (problem for problem in problems if not problem.is_serious()):
        logging.getLogger("jobs").warning("%s %s", warning.msg, warning.hint)
    errors = [problem for problem in problems if problem.is_serious()]
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
