"""The talking face on real photographs (tests/fixtures/portraits, with boxes drawn by hand
around each face's lips): the mouth opens between the lips and nowhere else, the jaw drops
while the upper lip stays, and of two faces only one talks.

Frames are drawn by the renderer's own animation from the motion a voice that goes from
silent to loud gives, with the head held still so that only the mouth changes; each
portrait's silent, mid and loud frames are saved in test-artifacts/portraits/ to look at."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from engine.animation import MAX_OPENING, animation_for
from engine.face import find_face
from engine.motion import STYLES, Motion, mouth_opening
from engine.render import load_picture

PORTRAITS = Path(__file__).resolve().parent.parent / "fixtures" / "portraits"
BOXES = json.loads((PORTRAITS / "lips.json").read_text())
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "portraits"
LONG_SIDE = 512
# A second each of silence, a voice 15 dB down and a full voice: the frames at each one's end.
SECOND = 25
LOUDNESS = np.concatenate([np.full(SECOND, 1e-6), np.full(SECOND, 10 ** (-15 / 20)), np.ones(SECOND)])
MOMENTS = {"silent": SECOND - 1, "mid": 2 * SECOND - 1, "loud": 3 * SECOND - 1}
# Darker by this much in grey levels: the open mouth over skin or lip, not a lip's edge shifting.
DARKENED = 50


def still_head_motion(mouth: np.ndarray) -> Motion:
    zeros = np.zeros(len(mouth))
    return Motion(mouth=mouth, blink=zeros, roll=zeros, shift_x=zeros, shift_y=zeros, breath=zeros)


def swaying_head_motion(mouth: np.ndarray) -> Motion:
    times = np.arange(len(mouth)) / SECOND
    sway = np.sin(2 * np.pi * 0.5 * times)
    return Motion(
        mouth=mouth, blink=np.zeros(len(mouth)), roll=2.5 * sway, shift_x=0.02 * sway, shift_y=0.01 * sway, breath=sway
    )


def spoken_frames(name: str, motion_for=still_head_motion):
    """The portrait's grey frames at each moment, the scale from the file's pixels to the
    frames', and the face found; saves the colour frames as artifacts."""
    path = PORTRAITS / name
    picture = load_picture(path, LONG_SIDE)
    with Image.open(path) as original:
        scale = picture.shape[1] / original.width
    face = find_face(picture)
    assert face is not None, name
    animation = animation_for(picture, face, motion_for(mouth_opening(LOUDNESS, STYLES["natural"])))
    frames = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for moment, index in MOMENTS.items():
        for earlier in range(index):  # every frame in turn, as a render draws them
            animation.frame(earlier)
        frame = animation.frame(index)
        Image.fromarray(frame[head_of(face, frame.shape)]).save(
            ARTIFACTS / f"{Path(name).stem}-{moment}.jpg", quality=85
        )
        frames[moment] = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return frames, scale, face


def head_of(face, shape) -> tuple[slice, slice]:
    """The talking head and a little around it, to look at (all of a picture with two faces)."""
    if "faces talks" in face.found_by:
        return np.s_[:, :]
    top, bottom = max(0, int(face.y - 0.7 * face.height)), min(shape[0], int(face.chin_y + 0.4 * face.height))
    left, right = max(0, int(face.x - 0.4 * face.width)), min(shape[1], int(face.x + 1.4 * face.width))
    return np.s_[top:bottom, left:right]


def scaled(box, scale, lowered=0.0) -> tuple[slice, slice]:
    """The box in the frames' pixels; `lowered` moves its bottom down (by the lower lip's drop)."""
    left, top, right, bottom = (round(value * scale) for value in box)
    return np.s_[top : bottom + int(np.ceil(lowered)), left:right]


def darkened(frames) -> np.ndarray:
    return frames["silent"] - frames["loud"] > DARKENED


@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg", "obama_small.jpg"])
def test_the_mouth_opens_between_the_lips_and_not_under_the_nose(name):
    frames, scale, found = spoken_frames(name)
    [face] = BOXES[name]
    dark = darkened(frames)

    # Between the lips as they are when loud: the lower one has dropped with the jaw.
    in_lips = dark[scaled(face["lips"], scale, lowered=MAX_OPENING * found.height)].sum()
    above_lips = dark[scaled(face["above_lips"], scale)].sum()

    assert in_lips >= 20, f"{name}: only {in_lips} pixels darkened between the lips"
    assert in_lips >= 0.9 * dark.sum(), f"{name}: {in_lips} of {dark.sum()} darkened pixels between the lips"
    assert above_lips <= 0.01 * in_lips, f"{name}: {above_lips} darkened under the nose"


@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg", "obama_small.jpg"])
def test_the_upper_lip_moves_less_than_the_lower_lip(name):
    frames, scale, _ = spoken_frames(name)
    [face] = BOXES[name]
    lips = scaled(face["lips"], scale)
    change = np.abs(frames["loud"] - frames["silent"])[lips]
    quarter = max(1, change.shape[0] // 4)

    upper, lower = change[:quarter].mean(), change[-quarter:].mean()

    assert lower > 10 and upper < 0.25 * lower, f"{name}: upper lip {upper:.1f}, lower lip {lower:.1f}"


@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg", "obama_small.jpg"])
def test_mouth_opens_further_as_the_voice_gets_louder(name):
    frames, scale, _ = spoken_frames(name)
    lips = scaled(BOXES[name][0]["lips"], scale)

    opened = {moment: (frames["silent"] - frames[moment] > DARKENED)[lips].sum() for moment in ("mid", "loud")}

    assert 0 < opened["mid"] < opened["loud"], opened


def test_of_two_people_one_talks_and_the_other_stays_still_while_the_head_sways():
    frames, scale, found = spoken_frames("two_people.jpg", swaying_head_motion)
    faces = BOXES["two_people.jpg"]
    dark = darkened(frames)

    opened = [dark[scaled(face["lips"], scale)].sum() for face in faces]
    talking = int(np.argmax(opened))
    still = faces[1 - talking]
    # The whole still face, the lips box grown to brows and chin, over every saved moment.
    left, top, right, bottom = still["lips"]
    whole_face = [left - 60, top - 120, right + 60, bottom + 50]
    drift = max(
        np.abs(frames[moment] - frames["silent"])[scaled(whole_face, scale)].max() for moment in ("mid", "loud")
    )

    assert opened[talking] >= 20 and opened[1 - talking] == 0, opened
    assert drift == 0
    assert "the largest of 2 faces talks, the others stay still" in found.describe()


def test_the_installed_requirements_ship_the_landmark_model():
    from engine.checks import check_landmark_model

    assert check_landmark_model() == []


def test_every_portraits_face_is_found_by_its_landmarks():
    for name in BOXES:
        picture = load_picture(PORTRAITS / name, LONG_SIDE)

        face = find_face(picture)

        assert face is not None and face.found_by.startswith("landmarks from dlib's 68-point model"), name


def test_without_the_landmark_model_the_cascades_lay_out_a_face_whose_jaw_drops():
    from engine import face_cascades
    from tests.fixtures.make_fixtures import MOUTH_CENTRE, PORTRAIT

    picture = load_picture(PORTRAIT, 256)
    face = face_cascades.find_largest_face(picture)
    animation = animation_for(picture, face, still_head_motion(np.array([0.0, 1.0])))
    silent = cv2.cvtColor(animation.frame(0), cv2.COLOR_RGB2GRAY).astype(np.float32)
    loud = cv2.cvtColor(animation.frame(1), cv2.COLOR_RGB2GRAY).astype(np.float32)
    rows, columns = np.nonzero(silent - loud > DARKENED)

    assert face.found_by.startswith("Haar cascades")
    assert rows.size >= 20
    height, width = picture.shape[:2]
    assert abs(np.median(columns) / width - MOUTH_CENTRE[0]) < 0.05
    assert abs(np.median(rows) / height - MOUTH_CENTRE[1]) < 0.05


def test_the_requests_log_tells_fal_clients_which_of_two_faces_talks(fal, voice_wav):
    from tests.engine.fal_checks import KLING_PRO

    inputs = {"image_url": fal.upload_file(PORTRAITS / "two_people.jpg"), "audio_url": fal.upload_file(voice_wav)}
    handle = fal.submit(KLING_PRO, inputs)

    events = list(handle.iter_events(with_logs=True, interval=0.05))
    messages = {entry["message"] for event in events for entry in getattr(event, "logs", None) or []}

    assert handle.get()["video"]["content_type"] == "video/mp4"
    assert any(
        message.startswith("Face found") and "the largest of 2 faces talks, the others stay still" in message
        for message in messages
    ), messages
