"""python manage.py run_fal_engine --host 127.0.0.1 --port 8765: the local fal engine, on its own.

`--controls` adds the test controls at /_fal/_control/ (fault injection, reset, stats), for
tests and benchmarks; scripts/serve starts the engine without them."""

import threading

from django.core.management.base import BaseCommand

from engine.server import start_engine_server, stop_engine_server


class Command(BaseCommand):
    # The engine keeps everything in memory; it must start even where no database is set up.
    requires_system_checks = []
    help = "Serve the local fal-compatible engine (queue, storage, webhooks) until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--controls", action="store_true", help="Also answer the test controls at /_fal/_control/."
        )

    def handle(self, *args, host, port, controls, **options):
        server, base_url = start_engine_server(host, port, controls=controls)
        self.stdout.write(f"Local fal engine listening at {base_url} (Ctrl-C to stop)")
        self.stdout.write(f"Point the app at it with FAL_ENGINE_URL={base_url}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            self.stdout.write("Stopping the local fal engine")
        finally:
            stop_engine_server(server)
