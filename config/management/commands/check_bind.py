from django.core.management.base import BaseCommand, CommandError

from config.serving import public_bind_problem


class Command(BaseCommand):
    help = "Fail unless the app may listen at this address (local mode: loopback only, unless allowed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "bind", help='The address a server will listen on, e.g. "127.0.0.1:8000" or "0.0.0.0:8000".'
        )

    def handle(self, *args, bind, **options):
        if problem := public_bind_problem(bind):
            raise CommandError(problem)
