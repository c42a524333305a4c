"""Faces and their landmarks from dlib: its HOG frontal face detector finds the faces, and the
68-point shape predictor (the iBUG 300-W layout: jaw line, brows, nose, eyes, outer and inner
lip contours) that the `face-recognition-models` package ships places the parts. Both run on
the CPU, offline; the model is read once per process (100 MB, about 0.6 s).
"""

import importlib.util
import math
import threading
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from .face_layout import Eye, FaceLayout

MODEL_PACKAGE, MODEL_FILE = "face_recognition_models", "shape_predictor_68_face_landmarks.dat"
# Faces are looked for on a copy with this long side (enlarged when smaller): the detector
# finds faces from about 80 pixels wide, a sixth of the copy, and from 40 on a second pass
# at twice the size when the first finds none.
DETECTION_LONG_SIDE = 512
FOUND_BY = "landmarks from dlib's 68-point model"
# dlib's detector and predictor hold scratch state; the engine's runners are threads.
_detecting = threading.Lock()

# Indices in the 68-point layout.
JAW, LOWER_JAW, BROWS, CHIN = slice(0, 17), slice(3, 14), slice(17, 27), 8
EYES = ((36, 37, 38, 39, 40, 41), (42, 43, 44, 45, 46, 47))  # corner, upper lid x2, corner, lower lid x2
OUTER_CORNERS, UPPER_LIP_TOP = (48, 54), (50, 51, 52)
INNER_CORNERS = (60, 64)
INNER_UPPER, INNER_LOWER = (61, 62, 63), (67, 66, 65)  # column by column, left to right


def model_path() -> Path | None:
    """The predictor's file, or None when dlib or the model package is not installed."""
    # Located rather than imported: the package's __init__ needs setuptools' pkg_resources.
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations or importlib.util.find_spec("dlib") is None:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / MODEL_FILE
    return path if path.is_file() else None


@cache
def _models():
    import dlib

    return dlib, dlib.get_frontal_face_detector(), dlib.shape_predictor(str(model_path()))


def find_faces(picture: np.ndarray) -> list[FaceLayout]:
    """Every frontal face in an RGB picture, with its landmarks (empty when there is none)."""
    scale = min(4.0, DETECTION_LONG_SIDE / max(picture.shape[:2]))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=interpolation)
    picture = np.ascontiguousarray(picture)
    with _detecting:
        dlib, detector, predictor = _models()
        boxes = list(detector(small, 0)) or list(detector(small, 1))
        shapes = []
        for box in boxes:
            full = dlib.rectangle(*(round(v / scale) for v in (box.left(), box.top(), box.right(), box.bottom())))
            shapes.append(np.array([(p.x, p.y) for p in predictor(picture, full).parts()], np.float32))
    return [layout_from_landmarks(picture, points) for points in shapes]


def layout_from_landmarks(picture: np.ndarray, points: np.ndarray) -> FaceLayout:
    left, right = points[JAW, 0].min(), points[JAW, 0].max()
    top, chin_y = points[BROWS, 1].min(), points[CHIN, 1]
    eyes = sorted((_eye(points[list(indices)]) for indices in EYES), key=lambda eye: eye.x)
    return FaceLayout(
        x=float(left),
        y=float(top),
        width=float(right - left),
        height=float(chin_y - top),
        eyes=tuple(eyes),
        seam=_seam(picture, points),
        upper_lip_top=float(points[list(UPPER_LIP_TOP), 1].min()),
        chin_y=float(chin_y),
        jaw=tuple((float(x), float(y)) for x, y in points[LOWER_JAW]),
        found_by=FOUND_BY,
    )


def _eye(points: np.ndarray) -> Eye:
    corner_a, corner_b = points[0], points[3]
    upper, lower = points[1:3, 1].mean(), points[4:6, 1].mean()
    return Eye(
        x=float((corner_a[0] + corner_b[0]) / 2),
        y=float((upper + lower) / 2),
        half_width=float(abs(corner_b[0] - corner_a[0]) / 2),
        half_height=float(max(1.5, (lower - upper) / 2)),
    )


def _seam(picture: np.ndarray, points: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Where the lips part: between the inner lip contours, at the height of the split
    between the teeth when the photo shows them (so each row of teeth stays with its lip)."""
    upper, lower = points[list(INNER_UPPER)], points[list(INNER_LOWER)]
    split = _teeth_split(picture, upper, lower)
    inner = upper + (lower - upper) * split
    seam = [
        points[OUTER_CORNERS[0]],
        points[INNER_CORNERS[0]],
        *inner,
        points[INNER_CORNERS[1]],
        points[OUTER_CORNERS[1]],
    ]
    return tuple((float(x), float(y)) for x, y in seam)


def _teeth_split(picture: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> float:
    """Where between the inner lip edges (0 the upper, 1 the lower) the mouth is darkest: the
    line between the upper and the lower teeth, or under the upper teeth when only they show.
    A closed mouth has no gap, and the answer does not matter there."""
    gap = float((lower[:, 1] - upper[:, 1]).mean())
    if gap < 3:
        return 0.5
    x0, x1 = int(upper[0, 0]), int(math.ceil(upper[-1, 0])) + 1
    y0, y1 = int(upper[:, 1].mean()), int(math.ceil(lower[:, 1].mean())) + 1
    inside = picture[y0:y1, x0:x1]
    if inside.shape[0] < 3 or inside.shape[1] < 1:
        return 0.5
    rows = cv2.cvtColor(np.ascontiguousarray(inside), cv2.COLOR_RGB2GRAY).astype(np.float32).mean(axis=1)
    rows = np.convolve(rows, np.ones(3) / 3, mode="same")
    # The upper third is the upper teeth's own (or the upper lip's shadow): never split there.
    first = len(rows) // 3
    darkest = first + int(np.argmin(rows[first:]))
    return float(np.clip((y0 + darkest + 0.5 - upper[:, 1].mean()) / gap, 0.0, 1.0))
