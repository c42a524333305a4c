"""A face's parts in the picture's pixels, as the renderer needs them, whichever detector found them."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Eye:
    x: float  # centre
    y: float
    half_width: float
    half_height: float  # of the open eye, lid to lid


@dataclass(frozen=True)
class FaceLayout:
    x: float  # the face's box: jaw side to jaw side, brows (or forehead) to chin
    y: float
    width: float
    height: float
    eyes: tuple[Eye, Eye]
    # Where the lips part when the jaw drops, from one mouth corner to the other (x rising):
    # the upper lip, and any upper teeth showing, stay above it; all below moves with the jaw.
    seam: tuple[tuple[float, float], ...]
    upper_lip_top: float
    chin_y: float
    # The jaw line's lower half, from one side to the other (x rising): below it is the neck.
    jaw: tuple[tuple[float, float], ...]
    found_by: str  # the detector, in words for the log

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2

    @property
    def seam_points(self) -> tuple[np.ndarray, np.ndarray]:
        points = np.array(self.seam, np.float32)
        # np.interp needs rising x; a tilted or turned mouth can put two points out of order.
        return np.maximum.accumulate(points[:, 0]), points[:, 1]

    @property
    def jaw_points(self) -> tuple[np.ndarray, np.ndarray]:
        points = np.array(self.jaw, np.float32)
        return np.maximum.accumulate(points[:, 0]), points[:, 1]

    @property
    def mouth_x(self) -> float:
        return (self.seam[0][0] + self.seam[-1][0]) / 2

    @property
    def mouth_half_width(self) -> float:
        return (self.seam[-1][0] - self.seam[0][0]) / 2

    def describe(self) -> str:
        box = f"{self.width:.0f}x{self.height:.0f} at ({self.x:.0f}, {self.y:.0f})"
        return f"Face found: {box}; {self.found_by}"


def straight_seam(centre_x: float, lip_y: float, half_width: float) -> tuple[tuple[float, float], ...]:
    """A level seam, for a detector that gives the mouth's centre and width but not its shape."""
    return tuple((centre_x + side * half_width, lip_y) for side in (-1.0, 0.0, 1.0))


def rounded_jaw(centre_x: float, half_width: float, side_y: float, chin_y: float) -> tuple[tuple[float, float], ...]:
    """A jaw line estimated as half an ellipse, for a detector that finds no jaw."""
    angles = np.linspace(0, np.pi, 9)
    return tuple(
        (float(centre_x - half_width * np.cos(angle)), float(side_y + (chin_y - side_y) * np.sin(angle)))
        for angle in angles
    )
