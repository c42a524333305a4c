"""Peak memory while the app takes a 20 MB audio upload over HTTP and sends it to fal storage
(the local engine), through the upload endpoint and through a multipart submit.

Each case runs in a fresh process: the app served over real HTTP (engine included, so the
engine's share is counted too), the body streamed from a file on disk so the client adds
only its 1 MB chunks. Two figures per case: tracemalloc's peak of Python allocations during
the request (bytes objects, file buffers; not FFmpeg's or Pillow's own C buffers), and how
far the process's peak resident size (ru_maxrss) rose during it.

Run: .venv/bin/python bench/upload_memory.py [--seconds 54]
"""

import argparse
import http.client
import json
import math
import os
import resource
import struct
import subprocess
import sys
import tempfile
import tracemalloc
import urllib.parse
import wave
from pathlib import Path

import harness

MB = 1024 * 1024
# case -> the endpoint its request is sent to
CASES = {
    "upload endpoint": "/api/generate/upload-file",
    "multipart submit": "/api/generate/kling-avatar/submit",
    "worker's submit": "/api/generate/kling-avatar/submit",  # measured: the worker uploading that job's files
}


def loud_wav(path: Path, seconds: int, rate=96000, channels=2):
    """A WAV of `seconds` of tone: 96 kHz stereo makes 20 MB last under the 60 s limit."""
    one_second = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 220 * n / rate))) * channels for n in range(rate)
    )
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        for _ in range(seconds):
            wav.writeframes(one_second)


def multipart(files: dict[str, tuple[str, str, Path]], boundary="benchboundary"):
    """A multipart body read from disk in 1 MB chunks, and its length."""
    parts = []
    for field, (name, content_type, path) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{name}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append((head.encode(), path))
    tail = f"--{boundary}--\r\n".encode()
    length = sum(len(head) + path.stat().st_size + 2 for head, path in parts) + len(tail)

    def chunks():
        for head, path in parts:
            yield head
            with path.open("rb") as source:
                while chunk := source.read(MB):
                    yield chunk
            yield b"\r\n"
        yield tail

    return f"multipart/form-data; boundary={boundary}", length, chunks()


def run_case(case: str, audio: Path, image: Path):
    harness.setup_django(**harness.NO_USER_LIMITS)
    _, base_url = harness.start_app_server()
    from rest_framework.authtoken.models import Token

    from jobs.services import submission

    token = Token.objects.get_or_create(user=harness.bench_user())[0].key
    address = urllib.parse.urlsplit(base_url)

    def post(voice):
        files = {"file": ("voice.wav", "audio/wav", voice)}
        if case != "upload endpoint":
            files = {"image": ("face.png", "image/png", image), "audio": ("voice.wav", "audio/wav", voice)}
        content_type, length, body = multipart(files)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        connection.request(
            "POST",
            CASES[case],
            body=body,
            headers={"Authorization": f"Token {token}", "Content-Type": content_type, "Content-Length": str(length)},
        )
        response = connection.getresponse()
        answer = response.read()
        if response.status not in (200, 201):
            raise SystemExit(f"{case}: {response.status} {answer[:300]!r}")
        return json.loads(answer)

    # A small one first, so the modules a request imports lazily aren't counted.
    warm_up = post(small_wav(audio.parent / "short.wav"))
    if case == "worker's submit":
        submission.submit_job(warm_up["job_id"])
        job = post(audio)
        measured = lambda: submission.submit_job(job["job_id"])  # noqa: E731
    else:
        measured = lambda: post(audio)  # noqa: E731
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    measured()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before  # KiB on Linux
    print(json.dumps({"python_peak": peak, "rss_growth": rss_growth * 1024}))


def small_wav(path: Path) -> Path:
    from tests.factories import speech_wav

    path.write_bytes(speech_wav(seconds=2))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=54, help="length of the 96 kHz stereo WAV (54 s: 19.8 MB)")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # one case, in this process
    parser.add_argument("--audio", help=argparse.SUPPRESS)
    parser.add_argument("--image", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        return run_case(args.case, Path(args.audio), Path(args.image))

    sys.path.insert(0, str(harness.PROJECT_DIR))
    from tests.factories import portrait_png

    workdir = Path(tempfile.mkdtemp(prefix="upload-memory-"))
    audio, image = workdir / "voice.wav", workdir / "face.png"
    loud_wav(audio, args.seconds)
    image.write_bytes(portrait_png())
    print(f"audio: {audio.stat().st_size / MB:.1f} MB WAV ({args.seconds} s, 96 kHz stereo)\n")
    print(f"{'case':<18} {'Python peak':>12} {'peak RSS rise':>14}")
    for case in CASES:
        run = subprocess.run(
            [sys.executable, __file__, "--case", case, "--audio", str(audio), "--image", str(image)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if run.returncode:
            raise SystemExit(f"{case} failed:\n{run.stdout}{run.stderr}")
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{case:<18} {figures['python_peak'] / MB:>9.1f} MB {figures['rss_growth'] / MB:>11.1f} MB")


if __name__ == "__main__":
    main()
