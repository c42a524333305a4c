"""The create page in real Chromium: files dropped into zones, the samples in one click, the
keyboard path, a wrong file refused beside its field, and the cost against the balance."""

import base64
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from credits import services as credits
from credits.models import LedgerEntry
from jobs.models import Job
from jobs.registry import MODELS
from tests.avatars.builders import make_job
from tests.factories import make_user, portrait_jpeg, portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = Path(django_settings.BASE_DIR) / "static" / "samples"

# A drop as a person makes it: dragenter, dragover, then drop, carrying real File objects
# in a DataTransfer. Answers whether the zone was highlighted while the file hovered.
DROP = """([selector, files]) => {
    const zone = document.querySelector(selector);
    const transfer = new DataTransfer();
    for (const file of files) {
        const bytes = Uint8Array.from(atob(file.base64), c => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    const event = type => new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer });
    zone.dispatchEvent(event("dragenter"));
    zone.dispatchEvent(event("dragover"));
    const highlighted = zone.classList.contains("dragging");
    zone.dispatchEvent(event("drop"));
    return { highlighted, after: zone.classList.contains("dragging") };
}"""


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def signed_in(page, live_server, media_root):
    user = make_user("cleo")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("cleo")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My videos")).to_be_visible()
    return user


def drop(page, field, name, content, content_type):
    payload = [{"name": name, "type": content_type, "base64": base64.b64encode(content).decode()}]
    return page.evaluate(DROP, [f".dropzone[data-dropzone={field}]", payload])


def open_create(page, live_server, query=""):
    page.goto(f"{live_server.url}/create/{query}")
    expect(page.get_by_role("heading", name="Create a talking avatar")).to_be_visible()


def created_job(page):
    expect(page).to_have_url(re.compile(r"/videos/[0-9a-f-]{36}/$"))
    return Job.objects.get(pk=page.url.rstrip("/").rsplit("/", 1)[1])


def test_dropped_files_fill_the_inputs_show_previews_and_are_sent_by_the_form(
    live_server, page, signed_in, screenshot
):
    open_create(page, live_server)

    image_drop = drop(page, "image", "face.png", portrait_png(), "image/png")
    audio_drop = drop(page, "audio", "hello.wav", speech_wav(seconds=2.0), "audio/wav")

    assert image_drop == {"highlighted": True, "after": False}
    assert audio_drop == {"highlighted": True, "after": False}
    assert page.locator("#id_image").evaluate("input => input.files[0].name") == "face.png"
    expect(page.locator("#image-preview-caption")).to_have_text("face.png · 256×320 px")
    expect(page.locator("#audio-preview-caption")).to_have_text("hello.wav · 2.0 s")
    expect(page.locator("#audio-preview-player")).to_be_visible()
    expect(page.locator("#cost-estimate")).to_contain_text(
        "Estimated cost: 230 credits (2.0 s of video × 115 credits per second)"
    )
    screenshot("create-dropped")
    page.get_by_role("button", name="Create video").click()

    job = created_job(page)
    assert job.image_file.read() == portrait_png()
    assert job.audio_duration == pytest.approx(2.0, abs=0.01) and job.title == "hello.wav"


def test_a_wrong_file_dropped_is_refused_beside_its_field(live_server, page, signed_in, screenshot):
    open_create(page, live_server)
    drop(page, "image", "face.png", portrait_png(), "image/png")

    drop(page, "image", "notes.txt", b"not a picture", "text/plain")
    drop(page, "audio", "face.png", portrait_png(), "image/png")

    image_problem, audio_problem = page.locator("#id_image_drop_error"), page.locator("#id_audio_drop_error")
    expect(image_problem).to_have_text("“notes.txt” is not a picture: choose or drop a JPEG, PNG or WebP image.")
    expect(audio_problem).to_have_text("“face.png” is not audio: choose or drop an MP3, WAV, M4A, OGG or AAC file.")
    assert page.locator("#id_image").evaluate("input => input.files[0].name") == "face.png"  # kept what it had
    assert page.locator("#id_audio").evaluate("input => input.files.length") == 0
    screenshot("create-wrong-type")

    # A wrong file picked with the chooser is refused the same way, and a right one clears the message.
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    expect(audio_problem).to_have_text("“notes.txt” is not audio: choose or drop an MP3, WAV, M4A, OGG or AAC file.")
    assert page.locator("#id_audio").evaluate("input => input.files.length") == 0
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hi.wav", "mimeType": "audio/wav", "buffer": speech_wav()}]
    )
    expect(audio_problem).to_be_hidden()


def test_try_the_samples_fills_both_inputs_and_create_makes_a_job_of_them(live_server, page, signed_in, screenshot):
    open_create(page, live_server)

    page.get_by_role("button", name="Try the samples").click()

    expect(page.locator("#samples-status")).to_have_text(re.compile("The sample portrait and speech are chosen"))
    expect(page.locator("#image-preview-caption")).to_have_text("sample-portrait.jpg · 512×640 px")
    estimate = page.locator("#cost-estimate")
    expect(estimate).to_contain_text("Estimated cost: ")
    expect(estimate).to_have_attribute("data-credits", re.compile(r"\d+"))
    shown_credits = int(estimate.get_attribute("data-credits"))
    shown_dollars = Decimal(estimate.get_attribute("data-cost"))
    screenshot("create-samples")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("create-samples-phone")
    page.get_by_role("button", name="Create video").click()

    job = created_job(page)
    assert job.image_file.read() == (SAMPLES / "portrait.jpg").read_bytes()
    assert job.audio_file.read() == (SAMPLES / "speech.ogg").read_bytes() and job.title == "sample-speech.ogg"
    # What the page promised is what the ledger holds and what the job page shows.
    assert LedgerEntry.objects.get(job=job, kind=LedgerEntry.Kind.RESERVE).amount == shown_credits
    assert job.estimated_cost == shown_dollars
    expect(page.locator(".job-credits")).to_contain_text(f"{shown_credits} held")


def test_the_keyboard_reaches_each_file_input_and_opens_its_chooser(live_server, page, signed_in, tmp_path):
    image = tmp_path / "portrait.png"
    image.write_bytes(portrait_png())
    # Playwright starts intercepting file choosers when a listener is added, by a message it
    # does not wait for; added only by expect_file_chooser, a key pressed at once could beat it
    # (the chooser then never surfaced, about one run in four). Listening from before the page
    # loads, interception is on long before any key.
    page.on("filechooser", lambda chooser: None)
    open_create(page, live_server)

    page.get_by_role("button", name="Try the samples").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_image"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(image))
    expect(page.locator("#image-preview-caption")).to_have_text("portrait.png · 256×320 px")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_audio"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    assert chooser.value.element.get_attribute("name") == "audio"


def test_a_cost_over_the_balance_is_warned_with_a_link_to_the_credits_page(live_server, page, signed_in, screenshot):
    credits.adjust(signed_in, -19_900, by=None, note="Spent elsewhere")
    open_create(page, live_server)
    expect(page.locator("#cost")).to_contain_text("Your balance: 100 credits")
    expect(page.locator("#price-per-second")).to_have_text("Kling AI Avatar v2 Pro: 115 credits per second of video.")
    warning = page.locator("#cost-warning")

    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.0)}]
    )

    expect(warning).to_be_visible()
    # Every other model (112 credits and up) is over the balance too: none is suggested.
    expect(warning).to_contain_text(
        "This video would cost 230 credits, 130 more than your balance. Choose shorter audio."
    )
    expect(warning.get_by_role("link", name="See your credits")).to_have_attribute("href", "/credits/")
    screenshot("create-over-balance")

    page.get_by_label(re.compile("Kling AI Avatar Standard")).check()  # 112 credits: still over
    expect(page.locator("#price-per-second")).to_have_text("Kling AI Avatar Standard: 56 credits per second of video.")
    expect(warning).to_contain_text("112 credits, 12 more than your balance. Choose shorter audio.")
    # 1.5 s would cost 84 credits, but it is under the 2 s minimum: refused, with no estimate.
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "short.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=1.5)}]
    )
    expect(page.locator("#id_audio_drop_error")).to_have_text(
        "“short.wav” lasts 1.5 s; a clip must last at least 2 s."
    )
    expect(page.locator("#cost-estimate")).to_have_text("No estimate: the audio is outside a limit (see above).")
    expect(warning).to_be_hidden()


def test_the_page_shows_the_servers_estimate_and_repeats_no_pricing_rule(live_server, page, signed_in, settings):
    settings.KLING_V2_PRO_PRICE_PER_SECOND = 0.0565
    open_create(page, live_server)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/estimate/" in request.url else None)

    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.5)}]
    )

    pro = MODELS["kling-avatar-v2-pro"]  # the page's default
    expect(page.locator("#cost-estimate")).to_have_attribute("data-credits", str(pro.estimate_credits(2.5)))
    assert page.locator("#cost-estimate").get_attribute("data-cost") == f"{pro.estimate_cost(2.5)}"
    assert asked and "seconds=2.5" in asked[-1]
    scripts = "".join(page.evaluate("[...document.scripts].map(s => s.src)"))
    assert "create.js" in scripts
    assert "BigInt" not in (Path(settings.BASE_DIR) / "static" / "js" / "media-checks.js").read_text()


def test_an_earlier_jobs_portrait_is_reused_and_can_be_swapped(live_server, page, signed_in, screenshot):
    earlier = make_job(signed_in, title="Monday greeting")
    earlier.image_file.save("face.jpg", ContentFile(portrait_jpeg()), save=True)
    open_create(page, live_server, f"?portrait={earlier.id}")

    reused = page.get_by_role("img", name="The portrait of Monday greeting")
    expect(reused).to_be_visible()
    assert reused.evaluate("img => img.complete && img.naturalWidth") == 256
    screenshot("create-reused-portrait")
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav()}]
    )
    page.get_by_role("button", name="Create video").click()

    job = created_job(page)
    assert job.image_file.read() == portrait_jpeg()

    # Another portrait: the button forgets the earlier one, and the field asks for a picture.
    open_create(page, live_server, f"?portrait={earlier.id}")
    page.get_by_role("button", name="Use another portrait").click()
    expect(reused).to_have_count(0)
    assert page.evaluate("document.activeElement.id") == "id_image"
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav()}]
    )
    page.get_by_role("button", name="Create video").click()
    expect(page.locator("#id_image_errors")).to_have_text("This field is required.")


def test_someone_elses_portrait_is_reported_and_the_page_works_normally(live_server, page, signed_in):
    theirs = make_job(make_user("dora"))
    theirs.image_file.save("face.png", ContentFile(portrait_png()), save=True)

    open_create(page, live_server, f"?portrait={theirs.id}")

    expect(page.locator(".messages")).to_contain_text("That earlier portrait is not available")
    expect(page.locator("#reused-portrait")).to_have_count(0)
    drop(page, "image", "face.png", portrait_png(), "image/png")
    drop(page, "audio", "hello.wav", speech_wav(), "audio/wav")
    page.get_by_role("button", name="Create video").click()
    assert created_job(page).user == signed_in


def test_a_cheaper_model_is_suggested_only_when_the_balance_covers_it(live_server, page, signed_in):
    credits.adjust(
        signed_in, -19_800, by=None, note="Spent elsewhere"
    )  # 200 left: v2 pro's 230 is over, v2 standard's 114 is not
    open_create(page, live_server)

    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.0)}]
    )

    expect(page.locator("#cost-warning")).to_contain_text(
        "30 more than your balance. Choose shorter audio or Kling AI Avatar v2 Standard (114 credits)."
    )


def test_prices_are_in_dollars_only_when_fal_makes_the_videos(live_server, page, signed_in, settings):
    open_create(page, live_server)
    expect(page.locator("#price-per-second")).to_have_text("Kling AI Avatar v2 Pro: 115 credits per second of video.")
    expect(page.locator(".engine-badge").first).to_have_text("Local engine")

    settings.FAL_MODE = "remote"
    open_create(page, live_server)
    expect(page.locator("#price-per-second")).to_have_text(
        "Kling AI Avatar v2 Pro: $0.115 (115 credits) per second of video."
    )
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.0)}]
    )
    expect(page.locator("#cost-estimate")).to_contain_text(
        "Estimated cost: $0.23 (2.0 s of video × $0.115 per second) = 230 credits"
    )
    expect(page.locator(".engine-badge")).to_have_count(0)


def test_a_valid_file_is_kept_after_a_server_side_refusal_and_used_by_the_next_post(
    live_server, page, signed_in, screenshot
):
    open_create(page, live_server)
    drop(page, "image", "face.png", portrait_png(), "image/png")
    # Named and typed as audio, so the page lets it through; the server finds it unreadable.
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "broken.wav", "mimeType": "audio/wav", "buffer": b"RIFF not really"}]
    )
    page.get_by_role("button", name="Create video").click()

    expect(page.locator("#id_audio_errors")).to_be_visible()
    kept = page.locator("#id_image_kept")
    expect(kept).to_contain_text("Chosen: face.png · 256×320 px (kept from your last try")
    expect(page.locator(".notice")).to_contain_text("The files that passed their checks are kept")
    screenshot("create-kept-portrait")
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.0)}]
    )
    page.get_by_role("button", name="Create video").click()

    job = created_job(page)
    assert job.image_file.read() == portrait_png() and job.title == "hello.wav"


def test_a_kept_file_is_replaced_by_a_new_choice_and_is_no_one_elses(live_server, page, signed_in, client):
    open_create(page, live_server)
    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "hello.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.0)}]
    )
    page.get_by_role("button", name="Create video").click()  # no portrait: refused, the audio kept
    expect(page.locator("#id_audio_kept")).to_contain_text("Chosen: hello.wav · 2.0 s")
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: 230 credits")
    token = page.locator("input[name=kept_audio]").get_attribute("value")

    # Another user sending the token gets "required", not the file.
    client.force_login(make_user("dora"))
    answer = client.post("/create/", {"kept_audio": token, "model": "kling-avatar-pro"})
    assert "audio" in answer.context["form"].errors

    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "other.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=3.0)}]
    )
    expect(page.locator("#id_audio_kept")).to_have_count(0)
    drop(page, "image", "face.png", portrait_png(), "image/png")
    page.get_by_role("button", name="Create video").click()
    assert created_job(page).title == "other.wav"


def test_the_servers_limits_are_checked_in_the_page_before_upload_and_named(live_server, page, signed_in, settings):
    settings.MAX_IMAGE_SIDE = 300
    settings.MAX_AUDIO_SECONDS = 3.0
    settings.MAX_LONG_AUDIO_SECONDS = 3.0
    settings.MAX_AUDIO_BYTES = 200_000
    open_create(page, live_server)
    image_problem, audio_problem = page.locator("#id_image_drop_error"), page.locator("#id_audio_drop_error")

    drop(page, "image", "tall.png", portrait_png(), "image/png")  # 256×320
    expect(image_problem).to_have_text("“tall.png” is 256×320 px; each side must be between 64 and 300 pixels.")
    assert page.locator("#id_image").evaluate("input => input.files.length") == 0

    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "long.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=4.0)}]
    )
    expect(audio_problem).to_have_text(
        "“long.wav” lasts 4.0 s; the limit is 3 s for any model. Choose a clip of at most 3 s."
    )
    expect(page.locator("#cost-warning")).to_be_hidden()
    assert page.locator("#id_audio").evaluate("input => input.files.length") == 0

    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "big.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.9) + bytes(200_000)}]
    )
    expect(audio_problem).to_have_text(
        re.compile(r"^“big\.wav” is \d+ KB; the limit is 195 KB for a speech recording\.$")
    )

    page.get_by_label("Speech audio").set_input_files(
        files=[{"name": "empty.wav", "mimeType": "audio/wav", "buffer": b""}]
    )
    expect(audio_problem).to_have_text(
        "“empty.wav” is empty (0 bytes): choose a speech recording with something in it."
    )
    expect(page.locator("#audio-preview")).to_be_hidden()
    # The page fixture fails the test on any console error, such as the player's failed range request.
