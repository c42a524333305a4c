"""Keeps N worker processes running: one that dies (a crash, the OOM killer, SIGKILL) is
started again, with a growing pause if it keeps dying at once."""

import logging
import signal
import subprocess
import sys
import time

logger = logging.getLogger(__name__)

QUICK_DEATH_SECONDS = 5.0  # a worker dying sooner than this is probably misconfigured
MAX_RESTART_PAUSE = 30.0
STOP_GRACE_SECONDS = 30.0


class Supervisor:
    def __init__(self, command_for, processes: int):
        """`command_for(index)` is the argv of worker number `index`."""
        self.command_for = command_for
        self.processes = processes
        self.children: dict[int, subprocess.Popen] = {}
        self.started_at: dict[int, float] = {}
        self.pause: dict[int, float] = {}
        self.stopping = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for index in range(self.processes):
            self._start(index)
        while not self.stopping:
            for index, child in list(self.children.items()):
                if child.poll() is not None and not self.stopping:
                    self._restart(index, child.returncode)
            time.sleep(0.2)
        self._stop_children()

    def _start(self, index: int) -> None:
        self.children[index] = subprocess.Popen(self.command_for(index))
        self.started_at[index] = time.monotonic()

    def _restart(self, index: int, returncode: int) -> None:
        lived = time.monotonic() - self.started_at[index]
        pause = min(self.pause.get(index, 0.5) * 2, MAX_RESTART_PAUSE) if lived < QUICK_DEATH_SECONDS else 0.0
        self.pause[index] = pause or 0.5
        logger.warning(
            "Worker %d exited (code %s) after %.0f s; starting it again in %.1f s", index, returncode, lived, pause
        )
        deadline = time.monotonic() + pause
        while time.monotonic() < deadline and not self.stopping:
            time.sleep(0.1)
        if not self.stopping:
            self._start(index)

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _stop_children(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()


def worker_command(*, interval: float, worker_id_prefix: str):
    def command_for(index: int) -> list[str]:
        return [
            sys.executable,
            sys.argv[0],
            "run_worker",
            "--processes",
            "1",
            "--no-resume",
            "--interval",
            str(interval),
            "--worker-id",
            f"{worker_id_prefix}-w{index}-{time.time_ns() % 10**9}",
        ]

    return command_for
