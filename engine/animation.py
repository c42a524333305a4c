"""Draws each frame: the portrait warped by the frame's motion.

Every frame starts again from the untouched portrait, so nothing drifts or accumulates. With
a face, two warps run on small regions only: first the mouth and eyes (the jaw drops below
the lips' seam, opening a dark gap under the upper lip; the upper lids slide down over the
eyes), then the head (roll, sway, breathing), weighted to fade out smoothly around it, so
the background and the shoulders stay put. Without a face the whole picture drifts gently.
The warp fields are made once per clip, scaled by each frame's motion, and sampled with
cv2.remap; nothing is allocated per frame beyond the regions' maps.
"""

import math

import cv2
import numpy as np

from .face import FaceLayout
from .motion import Motion

# Jaw drop at full opening, as a fraction of the face's height (brows to chin).
MAX_OPENING = 0.08
LENS_WIDTH = 1.0  # of the mouth's half width: the lips part less towards the corners
# Inside the opened mouth: the throat's dark, lighter by the lips, the tongue.
MOUTH_DARK = np.array([38, 12, 16], np.float32)
MOUTH_EDGE = np.array([96, 36, 42], np.float32)
TONGUE = np.array([150, 62, 70], np.float32)
LASH = np.array([45, 30, 28], np.float32)
# The head moves whole within its ellipse and fades to still by this many radii.
HEAD_FADE = 1.5
COARSE_STEP = 4


def smoothstep(edge0: float, edge1: float, value: np.ndarray) -> np.ndarray:
    t = np.clip((value - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


class Region:
    """A rectangle of the picture, clipped to it, with its pixels' coordinates (the identity
    maps that the warps' offsets are added to)."""

    def __init__(self, picture: np.ndarray, left: float, top: float, right: float, bottom: float):
        height, width = picture.shape[:2]
        self.left, self.top = max(0, int(left)), max(0, int(top))
        self.right, self.bottom = min(width, int(math.ceil(right))), min(height, int(math.ceil(bottom)))
        ys, xs = np.mgrid[self.top : self.bottom, self.left : self.right].astype(np.float32)
        self.xs, self.ys = xs, ys
        self.slice = np.s_[self.top : self.bottom, self.left : self.right]


class FaceAnimation:
    """Frames of a portrait whose face was found."""

    def __init__(self, picture: np.ndarray, face: FaceLayout, motion: Motion):
        self.picture, self.face, self.motion = picture, face, motion
        self.working = picture.copy()  # the portrait with this frame's mouth and eyes
        # Outside the head's region every frame is the portrait itself, so only that region
        # is written per frame.
        self.output = picture.copy()
        self.opening_pixels = MAX_OPENING * face.height
        self._prepare_mouth()
        self.eyes = [self._prepare_eye(eye) for eye in face.eyes]
        self._prepare_head()

    # --- the mouth and jaw --------------------------------------------------------------------

    def _prepare_mouth(self) -> None:
        """The jaw's warp field: how far each pixel of the lower face comes from above, per
        pixel of opening. Everything under the seam drops with the jaw, fully between the
        mouth's corners (in a lens, so the lips stay joined at the corners) and fading out
        over the cheeks beside it and down the chin, so that nothing below the jaw line
        (neck, collar) moves; nothing above the seam moves, so the upper lip and the upper
        teeth stay where the photo has them."""
        face = self.face
        seam_xs, seam_ys = face.seam_points
        mouth_x, half = face.mouth_x, max(face.mouth_half_width, 0.1 * face.width)
        jaw_half = max(0.55 * face.width, 1.5 * half)
        jaw_xs, jaw_ys = face.jaw_points
        self.mouth = region = Region(
            self.picture,
            mouth_x - jaw_half,
            float(seam_ys.min()) - 2,
            mouth_x + jaw_half,
            float(jaw_ys.max()) + 2,
        )
        columns = region.xs[0]
        self.seam_at = np.interp(columns, seam_xs, seam_ys).astype(np.float32)
        self.lens = (np.clip(1 - ((columns - mouth_x) / (LENS_WIDTH * half)) ** 2, 0.0, 1.0) ** 1.2).astype(np.float32)
        jaw_across = 1 - smoothstep(0.8 * half, jaw_half, np.abs(columns - mouth_x))
        under = region.ys - self.seam_at[None, :]  # rows under the seam, per column
        # Under the lips the skin follows the jaw within a short way; beside the mouth's
        # corners over a longer one, or the corner's shadow is dragged down in streaks.
        ramp = face.height * (0.12 + 0.13 * smoothstep(0.7 * half, 1.2 * half, np.abs(columns - mouth_x)))[None, :]
        below = np.clip(under / ramp, 0.0, 1.0)
        below = below * below * (3 - 2 * below)
        # The lower lip drops whole; under it the skin stretches, to still at the jaw line.
        jaw_at = np.interp(columns, jaw_xs, jaw_ys).astype(np.float32)[None, :]
        stretch_from = self.seam_at[None, :] + 0.4 * (jaw_at - self.seam_at[None, :])
        chin_fade = 1 - np.clip((region.ys - stretch_from) / np.maximum(jaw_at - stretch_from, 1.0), 0.0, 1.0)
        chin_fade = chin_fade * chin_fade * (3 - 2 * chin_fade)
        parted = (under >= 0) * self.lens[None, :]
        self.mouth_field = (np.maximum(parted, jaw_across[None, :] * below) * chin_fade).astype(np.float32)
        self.under_seam = under.astype(np.float32)

    def _draw_mouth(self, opening: float) -> None:
        """Drop the jaw and part the lips by opening (0 closed, 1 as wide as it goes)."""
        region = self.mouth
        drop = float(opening) * self.opening_pixels
        if drop < 0.05:
            self.working[region.slice] = self.picture[region.slice]
            return
        map_y = cv2.scaleAdd(self.mouth_field, -drop, region.ys)
        warped = cv2.remap(self.picture, region.xs, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        self._draw_inside_of_mouth(warped, drop)
        self.working[region.slice] = warped

    def _draw_inside_of_mouth(self, warped: np.ndarray, drop: float) -> None:
        """Paint the gap the jaw opened under the seam (the pixels whose source would lie
        above it): dark, lighter towards the lips, a tongue at the bottom of a wide opening.
        Only the gap is painted, so teeth in the photo are never covered."""
        if drop < 0.5:
            return
        columns = np.nonzero(self.lens > 0)[0]
        if columns.size == 0:
            return
        left, right = columns[0], columns[-1] + 1
        rows = int(math.ceil(float((self.seam_at[left:right] - self.seam_at.min()).max()) + drop + 4))
        rows = min(rows, warped.shape[0])
        under = self.under_seam[:rows, left:right]
        gap = np.maximum(drop * self.lens[left:right], 1e-3)[None, :]
        # Soft along the lower lip's edge (the gap's height is fractional); the seam itself is
        # the upper lip's edge and stays sharp.
        inside = np.clip(gap - under + 0.5, 0.0, 1.0) * (under >= 0)
        depth = np.clip(under / gap, 0.0, 1.0)
        colour = MOUTH_DARK + (MOUTH_EDGE - MOUTH_DARK) * (np.abs(depth - 0.5) * 2)[..., None] ** 3
        tongue = smoothstep(0.65, 0.95, depth) * np.clip(gap / (0.05 * self.face.height), 0, 1)
        colour = colour + (TONGUE - colour) * (tongue * 0.6)[..., None]
        target = warped[:rows, left:right].astype(np.float32)
        warped[:rows, left:right] = (target + (colour - target) * inside[..., None]).astype(np.uint8)

    # --- the eyes ---------------------------------------------------------------------------

    def _prepare_eye(self, eye) -> dict:
        # The eye's box is an estimate, so the lids reach a little past it both ways.
        above = eye.y - eye.half_height * 1.9  # the top of the lid's skin
        region = Region(
            self.picture,
            eye.x - eye.half_width * 1.6,
            above - 1,
            eye.x + eye.half_width * 1.6,
            eye.y + eye.half_height * 1.25 + 2,
        )
        across = np.abs(region.xs[0] - eye.x) / eye.half_width
        return {
            "region": region,
            "above": above,
            "top": eye.y - eye.half_height * 1.1,  # the upper lid's edge, open
            "lower_lid": eye.y + eye.half_height * 1.25,
            # How far down the lid comes, across the eye: an arc, lowest in the middle, that
            # still covers the almond's corners, then fades out beyond them.
            "window": ((1 - 0.35 * np.minimum(across, 1) ** 2) * (1 - smoothstep(1.0, 1.6, across))).astype(
                np.float32
            ),
            "lash": np.arange(max(1, round(eye.half_height * 0.18))),  # rows of lashes above the edge
        }

    def _draw_eye(self, eye: dict, closure: float) -> None:
        """Slide the upper lid down by closure (0 open, 1 shut): the lid's skin stretches over
        the rows down to its edge, and below the edge the eye stays where it is."""
        region = eye["region"]
        if closure <= 0.01:
            self.working[region.slice] = self.picture[region.slice]
            return
        above, top = eye["above"], eye["top"]
        edge = top + float(closure) * (eye["lower_lid"] - top) * eye["window"]
        squeeze = (top - above) / (edge - above)
        ys = region.ys
        map_y = np.where(ys < edge, above + (ys - above) * squeeze, ys).astype(np.float32)
        warped = cv2.remap(self.picture, region.xs, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # Nearly shut, the lashes show as a dark line along the lid's edge.
        strength = float(smoothstep(0.6, 1.0, np.float32(closure))) * 0.65 * eye["window"]
        if strength.any():
            rows = np.clip(np.round(edge).astype(int) - region.top - 1 - eye["lash"][:, None], 0, warped.shape[0] - 1)
            columns = np.broadcast_to(np.arange(warped.shape[1]), rows.shape)
            lash = warped[rows, columns].astype(np.float32)
            warped[rows, columns] = (lash + (LASH - lash) * strength[None, :, None]).astype(np.uint8)
        self.working[region.slice] = warped

    # --- the head -----------------------------------------------------------------------------

    def _prepare_head(self) -> None:
        face = self.face
        cx, cy = face.centre_x, face.y + 0.45 * face.height
        radius_x, radius_y = 0.8 * face.width, 1.0 * face.height
        self.head = region = Region(
            self.picture,
            cx - radius_x * HEAD_FADE,
            cy - radius_y * HEAD_FADE,
            cx + radius_x * HEAD_FADE,
            cy + radius_y * HEAD_FADE,
        )
        # The head's offsets are smooth, so they are worked out on a coarse grid and
        # enlarged: the same result for a sixteenth of the arithmetic.
        height, width = region.ys.shape
        columns, rows = -(-width // COARSE_STEP), -(-height // COARSE_STEP)
        # cv2.resize reads coarse sample j at fine coordinate (j + 0.5) * step - 0.5.
        xs = region.left + (np.arange(columns) + 0.5) * (width / columns) - 0.5
        ys = region.top + (np.arange(rows) + 0.5) * (height / rows) - 0.5
        xs, ys = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
        distance = np.sqrt(((xs - cx) / radius_x) ** 2 + ((ys - cy) / radius_y) ** 2)
        self.weight = (1 - smoothstep(1.0, HEAD_FADE, distance)).astype(np.float32)
        pivot_x, pivot_y = face.centre_x, face.chin_y + 0.3 * face.height  # the neck
        self.weighted_x = self.weight * (xs - pivot_x)
        self.weighted_y = self.weight * (ys - pivot_y)

    def _head_maps(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Where each output pixel of the head region comes from: the inverse of a small roll
        about the neck, a sideways sway and a rise with each breath, faded by the weight."""
        motion, face = self.motion, self.face
        # Plain floats: a NumPy float64 scalar would turn the float32 maps into float64.
        angle = math.radians(float(motion.roll[index]))
        scale = 1 + 0.004 * float(motion.breath[index])
        shift_x = float(motion.shift_x[index]) * face.width
        shift_y = float(motion.shift_y[index]) * face.height
        cos, sin = math.cos(-angle) / scale, math.sin(-angle) / scale
        # source - output = (R^-1 - I)(p - pivot) - R^-1 shift, everywhere times the weight.
        offset_x = (cos - 1) * self.weighted_x - sin * self.weighted_y - (cos * shift_x - sin * shift_y) * self.weight
        offset_y = sin * self.weighted_x + (cos - 1) * self.weighted_y - (sin * shift_x + cos * shift_y) * self.weight
        size = self.head.xs.shape[::-1]
        map_x = cv2.add(self.head.xs, cv2.resize(offset_x, size, interpolation=cv2.INTER_LINEAR))
        map_y = cv2.add(self.head.ys, cv2.resize(offset_y, size, interpolation=cv2.INTER_LINEAR))
        # Fixed-point maps sample about twice as fast, at a thirty-second of a pixel.
        return cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)

    # --- frames -------------------------------------------------------------------------------

    def frame(self, index: int) -> np.ndarray:
        """The RGB frame at index; the array is reused by the next call."""
        self._draw_mouth(self.motion.mouth[index])
        for eye in self.eyes:
            self._draw_eye(eye, self.motion.blink[index])
        map_x, map_y = self._head_maps(index)
        self.output[self.head.slice] = cv2.remap(
            self.working, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        return self.output


class WholePictureAnimation:
    """Frames of a picture with no face found: a slow, slight zoom and drift of the whole frame."""

    def __init__(self, picture: np.ndarray, motion: Motion):
        self.picture, self.motion = picture, motion
        self.output = np.empty_like(picture)

    def frame(self, index: int) -> np.ndarray:
        motion = self.motion
        height, width = self.picture.shape[:2]
        zoom = 1.02 + 0.006 * motion.breath[index]
        angle = 0.2 * motion.roll[index]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, zoom)
        matrix[0, 2] += motion.shift_x[index] * width * 0.5
        matrix[1, 2] += motion.shift_y[index] * height * 0.5
        cv2.warpAffine(
            self.picture,
            matrix,
            (width, height),
            dst=self.output,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT_101,
        )
        return self.output


def animation_for(picture: np.ndarray, face: FaceLayout | None, motion: Motion):
    return FaceAnimation(picture, face, motion) if face else WholePictureAnimation(picture, motion)
