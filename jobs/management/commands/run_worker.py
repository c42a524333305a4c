from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.services.lifecycle import resume_unfinished_jobs
from jobs.worker import in_process_worker
from workers.loop import default_worker_id
from workers.supervisor import Supervisor, worker_command


class Command(BaseCommand):
    help = (
        "Resume every unfinished job from its stored state, then run the task worker; with "
        "--processes N, run and keep running N worker processes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--processes",
            type=int,
            default=settings.WORKER_PROCESSES,
            help="Worker processes (default: WORKER_PROCESSES).",
        )
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between checks for due tasks.")
        parser.add_argument("--worker-id", default=None)
        parser.add_argument(
            "--no-resume", action="store_true", help="Don't wake unfinished jobs first (a supervisor did)."
        )

    def handle(self, *args, processes, interval, worker_id, no_resume, **options):
        if not no_resume:
            # A worker that was killed lost the tasks it was running, never the jobs: each job
            # row says what step comes next, so wake them all before taking new work.
            self.stdout.write(f"Resumed {resume_unfinished_jobs()} unfinished job(s).")
        worker_id = worker_id or default_worker_id()
        if processes > 1:
            self.stdout.write(f"Running {processes} worker processes.")
            Supervisor(worker_command(interval=interval, worker_id_prefix=worker_id), processes).run()
            return
        worker = in_process_worker(worker_id=worker_id, interval=interval)
        worker.configure_signals()
        worker.run()
