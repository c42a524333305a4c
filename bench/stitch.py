"""Stitching a long video: time and peak memory for 10 minutes of audio.

Makes the inputs once (a recording of `--minutes` of speech-like tone bursts with pauses, and
one H.264 MP4 per 60 s segment at `--size`, the picture moving so the encoder has work),
then, each in a fresh process, measures:
- split: decoding the recording and cutting it at pauses into WAV pieces (longform.splitting);
- stitch: decoding every segment's video, re-encoding one H.264 stream with cross-fades and
  the original audio as AAC (longform.stitching), as the worker does when a long video ends.
Figures: wall time, CPU time, and the process's peak resident size (VmHWM: this process's
own, which a fresh process starts anew, unlike ru_maxrss) before the step (after imports)
and after it, so the rise is the step's own.

Run: .venv/bin/python bench/stitch.py [--minutes 10] [--size 512x512] [--runs 3]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from fractions import Fraction
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEGMENT_SECONDS = 60.0
RATE = 44100


def speech(path: Path, seconds: float):
    """Tone "words" with short gaps, a pause every few seconds (44.1 kHz mono WAV), written
    a second at a time."""
    import numpy as np

    rng = np.random.default_rng(3)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        written, since_pause = 0.0, 0.0
        while written < seconds - 1.2:
            if since_pause > 4.0:
                length, tone, since_pause = 0.7, False, 0.0
            else:
                length, tone = rng.uniform(0.2, 0.45), True
            n = int(length * RATE)
            t = np.arange(n) / RATE
            chunk = 0.4 * np.sin(2 * np.pi * rng.uniform(140, 260) * t) if tone else np.zeros(n)
            out.writeframes((chunk * 32767).astype("<i2").tobytes())
            out.writeframes(np.zeros(int(0.08 * RATE), "<i2").tobytes())
            written += length + 0.08
            since_pause += length + 0.08
        out.writeframes(np.zeros(round((seconds - written) * RATE), "<i2").tobytes())  # exactly `seconds`


def segment_video(path: Path, seconds: float, width: int, height: int, shade: int):
    import av
    import numpy as np

    fps = 25
    ramp = np.tile(np.linspace(0, 255, width, dtype=np.float32), (height, 1))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast"}
        for index in range(round(seconds * fps)):
            moved = np.roll(ramp, index * 3, axis=1)
            picture = np.stack([moved, np.full_like(moved, shade), 255 - moved], axis=-1).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def prepare(folder: Path, minutes: float, width: int, height: int) -> dict:
    total = minutes * 60
    speech(folder / "speech.wav", total)
    sys.path.insert(0, str(PROJECT_DIR))
    from longform import splitting

    with open(folder / "speech.wav", "rb") as audio:
        pieces = splitting.split(audio, longest=SEGMENT_SECONDS, shortest=2.0)
    stretches = []
    for number, piece in enumerate(pieces):
        path = folder / f"segment-{number}.mp4"
        segment_video(path, piece.seconds, width, height, shade=40 + 20 * number % 200)
        stretches.append({"path": str(path), "start": piece.start, "end": piece.end})
    return {"audio": str(folder / "speech.wav"), "stretches": stretches, "seconds": total}


def peak_resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def measure(step: str, plan_path: str) -> dict:
    """In this (fresh) process: run one step and report its time and memory."""
    sys.path.insert(0, str(PROJECT_DIR))
    from longform import splitting, stitching

    plan = json.loads(Path(plan_path).read_text())
    before, peak_before = resource.getrusage(resource.RUSAGE_SELF), peak_resident_mb()
    started = time.perf_counter()
    if step == "split":
        with open(plan["audio"], "rb") as audio:
            pieces = splitting.split(audio, longest=SEGMENT_SECONDS, shortest=2.0)
        detail = {"segments": len(pieces)}
    else:
        stretches = [stitching.Stretch(item["path"], item["start"], item["end"]) for item in plan["stretches"]]
        output = Path(plan_path).with_name("stitched.mp4")
        detail = stitching.stitch(stretches, plan["audio"], output)
        detail["output_mb"] = round(os.path.getsize(output) / 1e6, 1)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "step": step,
        "wall_s": round(wall, 2),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "peak_rss_before_mb": peak_before,
        "peak_rss_after_mb": peak_resident_mb(),
        **detail,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--size", default="512x512", help="the segments' picture, WIDTHxHEIGHT")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "PLAN"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(*arguments.child)))
        return
    width, height = (int(side) for side in arguments.size.split("x"))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        plan = prepare(folder, arguments.minutes, width, height)
        plan_path = folder / "plan.json"
        plan_path.write_text(json.dumps(plan))
        print(
            f"inputs: {arguments.minutes:g} min of audio, {len(plan['stretches'])} segments at {arguments.size}, "
            f"made in {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f}"
        )
        for step in ("split", "stitch"):
            for _ in range(arguments.runs):
                command = [sys.executable, __file__, "--child", step, str(plan_path)]
                result = subprocess.run(command, capture_output=True, text=True, check=True)
                print(json.dumps(json.loads(result.stdout)))


if __name__ == "__main__":
    main()
