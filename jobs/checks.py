"""System checks: a remote-mode fal configuration that cannot work (or can be abused) fails
`manage.py check` and every start-up, with a message that never repeats the key."""

from django.conf import settings
from django.core import checks

from . import fal


@checks.register(checks.Tags.compatibility, deploy=False)
def check_fal_configuration(app_configs=None, **kwargs):
    if settings.FAL_MODE != "remote":
        return []
    problems = []
    if problem := fal.key_problem(settings.FAL_KEY):
        problems.append(
            checks.Error(
                problem,
                hint="Set FAL_KEY to a key from fal.ai's dashboard, or unset it to use the local engine.",
                id="jobs.E001",
            )
        )
    if not settings.PUBLIC_BASE_URL:
        problems.append(
            checks.Warning(
                "PUBLIC_BASE_URL is not set, so fal cannot call our webhook; jobs finish by polling only.",
                hint="Set PUBLIC_BASE_URL to the https address fal can reach this app at.",
                id="jobs.W001",
            )
        )
    elif not settings.FAL_WEBHOOK_USER_ID:
        # fal signs every account's deliveries with the same keys: without our user id, any
        # fal user's genuine delivery could be replayed at our webhook.
        problems.append(
            checks.Error(
                "FAL_WEBHOOK_USER_ID is required when fal calls our webhook (PUBLIC_BASE_URL is set).",
                hint="It is your fal account's user id: the X-Fal-Webhook-User-Id header of any webhook fal "
                "sends you, also shown in fal's dashboard under your account settings.",
                id="jobs.E002",
            )
        )
    return problems
