"""Files made to run as a page or a script if a server let them: plain HTML, JavaScript and
SVG, and two polyglots that are real pictures too (they pass any image check)."""

import io
import struct
import zlib

from PIL import Image


def html_page(script: str) -> bytes:
    return f"<!doctype html><title>gift</title><script>{script}</script><p>Hello</p>".encode()


def svg_image(script: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" '
        f'height="100" onload="{script}"><script>{script}</script></svg>'
    ).encode()


def png_with_markup(markup: bytes, size=(96, 96)) -> bytes:
    """A real PNG carrying `markup` in a tEXt chunk: read as HTML, the markup is live."""
    picture = io.BytesIO()
    Image.new("RGB", size, (200, 60, 60)).save(picture, "PNG")
    png = picture.getvalue()
    text = b"Comment\x00" + markup
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", zlib.crc32(b"tEXt" + text))
    ihdr_end = 8 + 25  # the signature, then IHDR (length, type, 13 bytes, CRC)
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def webp_that_is_javascript(script: str, size=(96, 96)) -> bytes:
    """A real WebP that is also a script: its RIFF size field reads " /*", so as JavaScript it
    is `RIFF /*<the picture>*/=1;<script>//`. The size must then be 0x002A2F20 bytes (2.7 MB),
    made up by an unknown chunk after the picture, which decoders skip; it carries the end of
    the comment and the script."""
    picture = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(picture, "WEBP", quality=50)
    webp = picture.getvalue()
    size_field = b" /*\x00"
    total = int.from_bytes(size_field, "little") + 8
    tail = b"*/=1;" + script.encode() + b"//"
    body = b" " * (total - len(webp) - 8 - len(tail)) + tail
    data = b"RIFF" + size_field + webp[8:] + b"JUNK" + struct.pack("<I", len(body)) + body
    assert len(data) == total and data.index(b"*/") == total - len(tail)
    return data
