from django.core.management import call_command
from django.core.management.base import BaseCommand

from jobs.services.lifecycle import resume_unfinished_jobs


class Command(BaseCommand):
    help = "Resume every unfinished job from its stored state, then run the task worker (db_worker)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between checks for due tasks.")
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, interval, worker_id, **options):
        # A worker that was killed lost the tasks it was running, never the jobs: each job
        # row says what step comes next, so wake them all before taking new work.
        resumed = resume_unfinished_jobs()
        self.stdout.write(f"Resumed {resumed} unfinished job(s).")
        extra = {"worker_id": worker_id} if worker_id else {}
        call_command("db_worker", queue_name="*", interval=interval, reload=False, startup_delay=False, **extra)
