"""How fast the local engine's talking face renders, and in how much memory (issue 12).

Speed: render time / audio time for 10 s of speech at long side 512 and 1024, on two
portraits: the fixture's drawing made at 1024x1280 (tests/fixtures/make_fixtures.py) and a
real photograph (tests/fixtures/portraits/obama.jpg, 910x1137), both large enough that 1024
is a real 1024 render. The speech is the fixture sentence looped to length and written as a
22.05 kHz mono WAV. Each run is a fresh process that first renders a 1 s clip (loading the
landmark model and warming x264), then times the render (face detection included); the
table shows the median and best of --runs.

Memory: the peak resident size (VmHWM: ru_maxrss would carry over the parent's size from
before exec) of a process rendering 10 s, and of one rendering 300 s, of the photograph at
512, and the growth between them.

Faces: --faces times the landmark model's loading (and the resident size it adds), then
find_face (detection and landmarks, the model loaded) on each real portrait at 512 and 1024.

Frames: --frames DIR writes the three frames shown in docs/engine.md (closed mouth, open mouth, a blink)
of a 512 render of the fixtures as JPEGs.

Run: .venv/bin/python bench/render.py [--runs 3] [--faces] [--frames docs/render]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

MB = 1024 * 1024


def looped_speech(path: Path, seconds: float) -> Path:
    """The fixture sentence repeated to `seconds`, as a 22.05 kHz mono 16-bit WAV."""
    import av
    import numpy as np

    from tests.fixtures.make_fixtures import SPEECH

    with av.open(str(SPEECH)) as source:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=22050)
        pieces = [
            frame.to_ndarray().reshape(-1)
            for decoded in source.decode(audio=0)
            for frame in resampler.resample(decoded)
        ]
    sentence = np.concatenate(pieces)
    samples = np.resize(sentence, int(seconds * 22050))
    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(22050)
        output.writeframes(samples.astype("<i2").tobytes())
    return path


def peak_rss() -> int:
    """This process's peak resident size in bytes (VmHWM)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def render_in_this_process(image: str, audio: str, long_side: int, output: str) -> dict:
    """The child's work: a warm-up render, then the timed one; prints what it measured."""
    from engine.render import render_avatar_video

    workdir = Path(output).parent
    warm_up = looped_speech(workdir / "warm-up.wav", 1.0)
    render_avatar_video(image, warm_up, workdir / "warm-up.mp4", long_side=long_side)
    before = resource.getrusage(resource.RUSAGE_SELF)
    rss_before = peak_rss()
    started = time.perf_counter()
    seconds = render_avatar_video(image, audio, output, long_side=long_side)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "audio_seconds": seconds,
        "render_seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_rss": peak_rss(),
        "rss_before": rss_before,
    }


def render_in_a_child(image: Path, audio: Path, long_side: int, output: Path) -> dict:
    answer = subprocess.run(
        [sys.executable, __file__, "--child", str(image), str(audio), str(long_side), str(output)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def speed(workdir: Path, images: dict[str, Path], runs: int) -> None:
    speech = looped_speech(workdir / "speech-10s.wav", 10.0)
    print("| portrait | long side | render / audio time (median, best) | CPU time / audio time | output |")
    print("|---|---|---|---|---|")
    for name, image in images.items():
        for long_side in (512, 1024):
            output = workdir / f"out-{long_side}.mp4"
            results = [render_in_a_child(image, speech, long_side, output) for _ in range(runs)]
            ratios = [result["render_seconds"] / result["audio_seconds"] for result in results]
            cpu = statistics.median(result["cpu_seconds"] / result["audio_seconds"] for result in results)
            print(
                f"| {name} | {long_side} | {statistics.median(ratios):.3f}x, {min(ratios):.3f}x | {cpu:.3f}x "
                f"| {output.stat().st_size / 1024:.0f} KB |"
            )


def memory(workdir: Path, image: Path) -> None:
    print("\n| audio | render time | peak RSS (after warm-up → end) |")
    print("|---|---|---|")
    peaks = {}
    for seconds in (10, 300):
        speech = looped_speech(workdir / f"speech-{seconds}s.wav", seconds)
        result = render_in_a_child(image, speech, 512, workdir / f"long-{seconds}.mp4")
        peaks[seconds] = result["peak_rss"]
        print(
            f"| {seconds} s | {result['render_seconds']:.1f} s | "
            f"{result['rss_before'] / MB:.0f} → {result['peak_rss'] / MB:.0f} MB |"
        )
    print(f"\nPeak RSS growth from 10 s to 300 s of audio: {(peaks[300] - peaks[10]) / MB:.1f} MB")


def faces() -> None:
    from engine import face_landmarks
    from engine.face import find_face
    from engine.render import load_picture

    rss_before, started = current_rss(), time.perf_counter()
    face_landmarks._models()
    print(
        f"Model loaded in {time.perf_counter() - started:.2f} s, "
        f"resident size +{(current_rss() - rss_before) / MB:.0f} MB"
    )
    print("\n| portrait | long side | picture | find_face (median of 5) | chosen face |")
    print("|---|---|---|---|---|")
    for path in sorted((PROJECT_DIR / "tests" / "fixtures" / "portraits").glob("*.jpg")):
        for long_side in (512, 1024):
            picture = load_picture(path, long_side)
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                face = find_face(picture)
                timings.append(time.perf_counter() - started)
            size = f"{picture.shape[1]}x{picture.shape[0]}"
            print(
                f"| {path.name} | {long_side} | {size} | {statistics.median(timings) * 1000:.0f} "
                f"ms | {face.width:.0f}x{face.height:.0f} at ({face.x:.0f}, {face.y:.0f}) |"
            )


def current_rss() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def frames(directory: Path) -> None:
    """Render the fixtures at 512 and save a closed mouth, an open mouth and a blink."""
    import av
    import numpy as np

    from engine import render
    from engine.motion import plan_motion, style_for_prompt
    from tests.fixtures.make_fixtures import PORTRAIT, SPEECH

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        output = Path(workdir) / "fixtures.mp4"
        render.render_avatar_video(PORTRAIT, SPEECH, output, long_side=512)
        style = style_for_prompt("")
        loudness, _ = render.measure_loudness(SPEECH)
        motion = plan_motion(loudness, style, render.input_seed(PORTRAIT, SPEECH, style.name))
        eyes_open = motion.blink == 0
        chosen = {
            "closed": int(np.argmin(np.where(eyes_open, motion.mouth, np.inf))),
            "open": int(np.argmax(np.where(eyes_open, motion.mouth, -np.inf))),
            "blink": int(np.argmax(motion.blink)),
        }
        with av.open(str(output)) as container:
            pictures = {
                index: frame.to_image()
                for index, frame in enumerate(container.decode(video=0))
                if index in chosen.values()
            }
    for name, index in chosen.items():
        path = directory / f"{name}.jpg"
        pictures[index].save(path, quality=85, optimize=True)
        print(
            f"{path}: frame {index} ({index / 25:.2f} s), mouth "
            f"{motion.mouth[index]:.2f}, lids {motion.blink[index]:.2f}"
        )


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        image, audio, long_side, output = sys.argv[2:6]
        print(json.dumps(render_in_this_process(image, audio, int(long_side), output)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--frames", type=Path, help="write the three frames of docs/engine.md into this directory")
    parser.add_argument("--faces", action="store_true", help="time the landmark model and find_face on the portraits")
    args = parser.parse_args()
    if args.faces:
        faces()
        return
    if args.frames:
        frames(args.frames)
        return
    from tests.fixtures.make_fixtures import portrait

    with tempfile.TemporaryDirectory(prefix="render-bench-") as workdir:
        workdir = Path(workdir)
        drawn = workdir / "portrait-1024.jpg"
        portrait(1024, 1280).save(drawn, quality=90)
        photograph = PROJECT_DIR / "tests" / "fixtures" / "portraits" / "obama.jpg"
        speed(workdir, {"drawn": drawn, "photograph": photograph}, args.runs)
        memory(workdir, photograph)


if __name__ == "__main__":
    main()
