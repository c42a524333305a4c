"""Small builders for test users and media, made on the fly (no binary fixtures)."""

import functools
import io
import math
import struct
import wave

from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw, ImageOps


def make_user(username="alice", password="correct horse battery staple", **extra):
    return get_user_model().objects.create_user(
        username=username, password=password, email=f"{username}@example.com", **extra
    )


def portrait_png(width=256, height=320, color=(200, 160, 120)) -> bytes:
    """A portrait the engine finds a face in (as Kling must, or it refuses the picture): the
    renderer fixtures' drawn face, fitted into width x height on a plain `color` ground."""
    face = ImageOps.contain(_drawn_face(), (width, height))
    image = Image.new("RGB", (width, height), color)
    image.paste(face, ((width - face.width) // 2, (height - face.height) // 2))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@functools.cache
def _drawn_face() -> Image.Image:
    from tests.fixtures.make_fixtures import portrait  # draws for about a second: once per run

    return portrait(256, 320)


def faceless_png(width=256, height=320, color=(200, 160, 120)) -> bytes:
    """A picture with no face in it (a skin-coloured oval and a red bar): Kling refuses it."""
    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.25, height * 0.2, width * 0.75, height * 0.75), fill=(230, 190, 150))
    draw.rectangle((width * 0.4, height * 0.6, width * 0.6, height * 0.65), fill=(150, 60, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def portrait_jpeg(width=256, height=320) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(portrait_png(width, height))).convert("RGB").save(buffer, format="JPEG")
    return buffer.getvalue()


def speech_wav(seconds=2.0, rate=16000, frequency=220.0) -> bytes:
    """A mono 16-bit WAV whose pitch wobbles like a voice."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        sample = 0.4 * math.sin(2 * math.pi * frequency * t) * (0.6 + 0.4 * math.sin(2 * math.pi * 3 * t))
        frames += struct.pack("<h", int(sample * 32767))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return buffer.getvalue()


def data_uri(data: bytes, content_type: str) -> str:
    import base64

    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def png_claiming_size(width, height) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb's calling card)."""
    import struct
    import zlib

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def uploaded_audio_url(user, url="https://example.com/speech.wav", seconds=2.0) -> str:
    """`url` as audio this user uploaded earlier (an asset in the current fal storage, its
    length measured then): a job takes it as it is, with nothing to fetch or upload."""
    import hashlib
    from datetime import timedelta

    from django.utils import timezone

    from jobs import fal
    from jobs.models import Asset

    Asset.objects.create(
        user=user,
        kind="audio",
        sha256=hashlib.sha256(url.encode()).hexdigest(),
        origin=fal.storage_origin(),
        content_type="audio/wav",
        size=64_000,
        duration=seconds,
        fal_url=url,
        expires_at=timezone.now() + timedelta(days=7),
    )
    return url


def speech_with_pauses(seconds: float, *, rate=16000, sentence=4.0, pause=0.7) -> tuple[bytes, list[tuple]]:
    """A mono 16-bit WAV of `seconds`: "sentences" of voiced syllables (with short gaps between
    words) separated by silent pauses; returns it and the pauses as (start, end) seconds."""
    import numpy as np

    rng = np.random.default_rng(7)
    pieces, pauses, at = [], [], 0.0
    while at < seconds:
        spoken = 0.0
        while spoken < sentence:
            word = rng.uniform(0.2, 0.45)
            t = np.arange(int(word * rate)) / rate
            pitch = rng.uniform(140.0, 260.0)
            pieces.append(0.4 * np.sin(2 * np.pi * pitch * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)))
            gap = rng.uniform(0.05, 0.12)
            pieces.append(np.zeros(int(gap * rate)))
            spoken += word + gap
        pieces.append(np.zeros(int(pause * rate)))
        pauses.append((at + spoken, at + spoken + pause))
        at += spoken + pause
    samples = np.concatenate(pieces)[: int(seconds * rate)]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((samples * 32767).astype("<i2").tobytes())
    return buffer.getvalue(), [span for span in pauses if span[0] < seconds]
