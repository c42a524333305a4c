"""The fallback when the landmark model is missing: OpenCV's Haar cascades find the face, its
eyes and its mouth, offline.

The cascades give boxes, not landmarks, so each part is then measured on the picture itself:
the lips' seam is the darkest row across the mouth, and the mouth's corners are where that
row stops being darker than the skin. Parts the cascades miss are placed by a face's usual
proportions, so any detected face gets a full layout.
"""

import threading
from functools import cache

import cv2
import numpy as np

from .face_layout import Eye, FaceLayout, rounded_jaw, straight_seam

# Detection runs on a copy at most this big: plenty for the cascades, and quick.
DETECTION_LONG_SIDE = 512
# The engine's runners are threads; one cascade object is not safe to share between them.
_detecting = threading.Lock()


@cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if cascade.empty():  # opencv-python-headless 5 no longer ships the cascades
        raise RuntimeError(f"OpenCV's {name} is missing; install opencv-python-headless<5")
    return cascade


def find_largest_face(picture: np.ndarray) -> FaceLayout | None:
    """The largest frontal face in an RGB picture, or None when there is none."""
    scale = min(1.0, DETECTION_LONG_SIDE / max(picture.shape[:2]))
    gray = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    small = cv2.equalizeHist(small)
    smallest = max(24, int(min(small.shape) * 0.12))
    with _detecting:
        faces = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(
            small, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest)
        )
        if len(faces) == 0:
            return None
        x, y, w, h = (int(v) for v in max(faces, key=lambda box: box[2] * box[3]))
        eyes = _find_eyes(small, x, y, w, h)
        smile = _find_mouth_box(small, x, y, w, h)
    eye_pair = [_eye_from_box(small, box, w) for box in eyes] if eyes else _estimated_eyes(x, y, w, h)
    layout_eyes = tuple(
        Eye(float(e.x / scale), float(e.y / scale), float(e.half_width / scale), float(e.half_height / scale))
        for e in eye_pair
    )
    mouth_x, lip_y, half_width = _measure_mouth(gray, [v / scale for v in (x, y, w, h)], layout_eyes, smile, scale)
    parts = ["eyes" if eyes else "eyes estimated", "mouth" if smile is not None else "mouth estimated"]
    chin_y = float(max(lip_y + 0.22 * h / scale, (y + h * 1.02) / scale))
    return FaceLayout(
        x=x / scale,
        y=y / scale,
        width=w / scale,
        height=h / scale,
        eyes=layout_eyes,
        seam=straight_seam(float(mouth_x), float(lip_y), float(half_width)),
        upper_lip_top=float(lip_y - 0.06 * h / scale),
        chin_y=chin_y,
        jaw=rounded_jaw((x + w / 2) / scale, 0.5 * w / scale, float(lip_y - 0.1 * h / scale), chin_y),
        found_by=f"Haar cascades (the landmark model is not installed): {', '.join(parts)}",
    )


def _boxes(found) -> list[list[int]]:
    # detectMultiScale answers an empty tuple, not an empty array, when it finds nothing.
    return found.tolist() if len(found) else []


def _find_eyes(gray: np.ndarray, x: int, y: int, w: int, h: int) -> list | None:
    """Both eyes' boxes (left, right) in the face's upper part, or None unless one is found on each side."""
    top, bottom = y + int(0.15 * h), y + int(0.6 * h)
    found = _cascade("haarcascade_eye.xml").detectMultiScale(
        gray[top:bottom, x : x + w],
        scaleFactor=1.1,
        minNeighbors=3,
        minSize=(w // 8, w // 8),
        maxSize=(w // 2, w // 2),
    )
    sides = ([], [])
    for ex, ey, ew, eh in _boxes(found):
        centre = ex + ew / 2
        if 0.1 * w < centre < 0.9 * w:
            sides[int(centre > w / 2)].append((x + ex, top + ey, ew, eh))
    if not all(sides):
        return None
    return [max(side, key=lambda box: box[2]) for side in sides]


def _eye_from_box(gray: np.ndarray, box, face_width: float) -> Eye:
    """The open eye inside a Haar eye box (about square, often with the brow in its top).

    The eye is the run of rows, around the darkest one in the box's middle (the pupil), whose
    darkest pixels stand out from the skin: the iris, which the lids clip top and bottom."""
    ex, ey, ew, eh = box
    central = gray[ey : ey + eh, ex + ew // 4 : ex + ew - ew // 4].astype(np.float32)
    fallback = Eye(ex + ew / 2, ey + eh / 2, ew * 0.32, max(2.0, min(eh * 0.16, face_width * 0.04)))
    if central.shape[0] < 6 or central.shape[1] < 3:
        return fallback
    darkest = np.percentile(central, 10, axis=1)
    skin = float(np.median(central))
    middle = range(int(eh * 0.3), int(eh * 0.85))
    pupil = min(middle, key=lambda row: darkest[row])
    if skin - darkest[pupil] < 25:  # no clear pupil: keep the box's proportions
        return fallback
    dark = darkest < skin - 0.5 * (skin - darkest[pupil])
    top = bottom = pupil
    while top > 0 and dark[top - 1]:
        top -= 1
    while bottom < len(dark) - 1 and dark[bottom + 1]:
        bottom += 1
    half_height = float(np.clip((bottom - top + 1) / 2, eh * 0.08, eh * 0.3))
    return Eye(ex + ew / 2, ey + (top + bottom + 1) / 2, ew * 0.32, max(2.0, half_height))


def _estimated_eyes(x, y, w, h) -> list[Eye]:
    return [Eye(x + w * side, y + h * 0.4, w * 0.08, max(2.0, w * 0.035)) for side in (0.3, 0.7)]


def _find_mouth_box(gray: np.ndarray, x, y, w, h):
    """The smile cascade's box in the lower face, or None (it is shy of closed mouths)."""
    top = y + int(0.55 * h)
    found = _cascade("haarcascade_smile.xml").detectMultiScale(
        gray[top : y + int(1.1 * h), x : x + w], scaleFactor=1.1, minNeighbors=12, minSize=(w // 5, w // 10)
    )
    central = [(x + mx, top + my, mw, mh) for mx, my, mw, mh in _boxes(found) if abs(mx + mw / 2 - w / 2) < 0.15 * w]
    return max(central, key=lambda box: box[2]) if central else None


def _measure_mouth(gray: np.ndarray, face, eyes, smile, scale: float) -> tuple[float, float, float]:
    """(centre x, seam y, half width) of the mouth, measured in the full-size picture."""
    x, y, w, h = face
    eye_y = (eyes[0].y + eyes[1].y) / 2
    centre_x = (eyes[0].x + eyes[1].x) / 2
    spacing = abs(eyes[1].x - eyes[0].x)
    if smile is not None:
        sx, sy, sw, sh = (v / scale for v in smile)
        centre_x, top, bottom = sx + sw / 2, sy, sy + sh
    else:
        # The mouth sits about one eye spacing below the eyes in a frontal face.
        top, bottom = eye_y + 0.75 * spacing, min(y + h * 1.05, eye_y + 1.45 * spacing)
    half = 0.22 * w
    left, right = int(max(0, centre_x - half * 0.6)), int(min(gray.shape[1], centre_x + half * 0.6))
    top, bottom = int(max(0, top)), int(min(gray.shape[0] - 1, bottom))
    band = gray[top:bottom, left:right].astype(np.float32)
    if band.shape[0] < 3 or band.shape[1] < 3:
        return centre_x, eye_y + 1.1 * spacing, half
    rows = np.convolve(band.mean(axis=1), np.ones(3) / 3, mode="same")
    lip_y = top + 1 + int(np.argmin(rows[1:-1]))
    return centre_x, float(lip_y), _mouth_half_width(gray, centre_x, lip_y, w)


def _mouth_half_width(gray: np.ndarray, centre_x: float, lip_y: int, face_width: float) -> float:
    """How far either way of the centre the seam row stays darker than the cheeks beside it."""
    reach = int(0.4 * face_width)
    left, right = int(max(0, centre_x - reach)), int(min(gray.shape[1], centre_x + reach))
    row = gray[max(0, lip_y - 1) : lip_y + 2, left:right].astype(np.float32).mean(axis=0)
    if row.size < 8:
        return 0.2 * face_width
    cheeks = np.concatenate([row[: row.size // 8], row[-row.size // 8 :]]).mean()
    darkest = row[row.size // 2 - 2 : row.size // 2 + 3].min()
    dark = row < darkest + 0.5 * (cheeks - darkest)
    middle = int(centre_x) - left
    ends = [middle, middle]
    while ends[0] > 0 and dark[ends[0] - 1]:
        ends[0] -= 1
    while ends[1] < row.size - 1 and dark[ends[1] + 1]:
        ends[1] += 1
    measured = (ends[1] - ends[0]) / 2
    return float(np.clip(measured, 0.1 * face_width, 0.3 * face_width))
