"""Which face talks, and where its parts are.

Landmarks come from dlib's 68-point model (engine/face_landmarks.py) when it is installed;
without it the Haar cascades (engine/face_cascades.py) give boxes and estimates. Of several
faces the largest talks (of faces about as large, the one nearest the picture's centre); the
others stay still.
"""

from dataclasses import replace

import numpy as np

from . import face_cascades, face_landmarks
from .face_layout import Eye, FaceLayout

__all__ = ["Eye", "FaceLayout", "find_face"]

# Faces within this fraction of the largest one's area count as about as large.
AS_LARGE = 0.85


def find_face(picture: np.ndarray) -> FaceLayout | None:
    """The face that talks in an RGB picture, or None when there is none."""
    if face_landmarks.model_path() is None:
        return face_cascades.find_largest_face(picture)
    faces = face_landmarks.find_faces(picture)
    if not faces:
        return None
    chosen = talking_face(faces, picture.shape[1], picture.shape[0])
    if len(faces) == 1:
        return chosen
    note = f"{chosen.found_by}; the largest of {len(faces)} faces talks, the others stay still"
    return replace(chosen, found_by=note)


def talking_face(faces: list[FaceLayout], width: int, height: int) -> FaceLayout:
    largest = max(face.width * face.height for face in faces)
    contenders = [face for face in faces if face.width * face.height >= AS_LARGE * largest]

    def off_centre(face: FaceLayout) -> float:
        return float(np.hypot(face.centre_x - width / 2, face.y + face.height / 2 - height / 2))

    return min(contenders, key=off_centre)
