"""No uploaded file runs as a page or a script on our origin, in real Chromium.

An attacker uploads HTML, JavaScript, SVG and two polyglots (a PNG carrying markup in a tEXt
chunk, named gift.html; a WebP whose size bytes open a JavaScript comment, named t.js) through
every door: the engine's storage (anyone, in local mode on our origin), the fal proxy's
storage upload, the seed API's and v1's file uploads, and the create form. A signed-in staff
member (who may read every user's media) then opens each file URL, and a page of ours loads
each one as a script. Every payload would call `fetch("/xss-sink/<door>-<file>")`; none does.
"""

import uuid

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Error as PlaywrightError
from rest_framework.authtoken.models import Token

from jobs.models import Job
from jobs.registry import DEFAULT_MODEL_KEY
from tests.browser.test_avatar_journey import log_in
from tests.factories import make_user, speech_wav
from tests.hostile_files import html_page, png_with_markup, svg_image, webp_that_is_javascript
from tests.servers import app_server

pytestmark = pytest.mark.django_db(transaction=True)

SINK = "/xss-sink/"
MEDIA_TYPES = ("image/", "audio/", "video/")


def sink(label):
    return f'fetch("{SINK}{label}")'


def hostile_files(door, url_of_script):
    """(label, file name, claimed type, bytes) for a door, one by one: the pages load the
    scripts uploaded before them (url_of_script(label) says where one was stored), as the
    attack did, since our pages' CSP lets a page run only scripts from our origin."""
    yield "js", "a.js", "text/javascript", sink(f"{door}-js").encode()
    page = html_page(sink(f"{door}-html")).replace(
        b"<p>", f'<script src="{url_of_script("js")}"></script><p>'.encode()
    )
    yield "html", "a.html", "text/html", page
    yield "svg", "a.svg", "image/svg+xml", svg_image(sink(f"{door}-svg"))
    yield "webp", "t.js", "text/javascript", webp_that_is_javascript(sink(f"{door}-webp"))
    yield "png", "gift.html", "text/html", png_with_markup(f'<script src="{url_of_script("webp")}"></script>'.encode())


def through_the_engine(live_server):
    """Anyone, with any key: the legacy initiate, then a PUT to the presigned URL."""
    urls = {}
    for label, name, content_type, content in hostile_files("engine", lambda label: urls.get(label, "/none")):
        answer = httpx.post(
            f"{live_server.url}/_fal/rest/storage/upload/initiate",
            json={"file_name": name, "content_type": content_type},
            headers={"Authorization": "Key anyone:x"},
        ).json()
        httpx.put(answer["upload_url"], content=content, headers={"Content-Type": content_type}).raise_for_status()
        urls[label] = answer["file_url"]
    return urls, set()


def through_the_fal_proxy(live_server):
    """A signed-in user's `fal.storage.upload`: initiate through the proxy, PUT the bytes."""
    token = Token.objects.create(user=make_user(f"proxy-{uuid.uuid4().hex[:6]}")).key
    proxy = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token}"})
    urls, refused = {}, set()
    for label, name, content_type, content in hostile_files("proxy", lambda label: urls.get(label, "/none")):
        answer = proxy.post(
            "/api/fal/proxy",
            json={"file_name": name, "content_type": content_type},
            headers={"x-fal-target-url": "https://rest.fal.ai/storage/upload/initiate"},
        ).json()
        put = httpx.put(answer["upload_url"], content=content, headers={"Content-Type": content_type})
        if put.status_code == 200:
            # The file URL is the uploader's own; it sends them on to the file in fal storage,
            # which is what others are given.
            urls[label] = proxy.get(answer["file_url"]).headers["location"]
        else:
            refused.add(label)
    return urls, refused


def through_an_upload_endpoint(path, url_field):
    def upload(live_server):
        token = Token.objects.create(user=make_user(f"api-{uuid.uuid4().hex[:6]}")).key
        api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token}"})
        urls, refused = {}, set()
        for label, name, content_type, content in hostile_files(
            path.strip("/").replace("/", "-"), lambda label: urls.get(label, "/none")
        ):
            answer = api.post(path, files={"file": (name, content, content_type)})
            if answer.status_code == 201:
                urls[label] = answer.json()[url_field]
            else:
                refused.add(label)
        return urls, refused

    return upload


def through_the_create_form():
    """The browser's create form, posted by a signed-in user; the portrait lands in /media/."""
    author = Client()
    author.force_login(make_user(f"form-{uuid.uuid4().hex[:6]}"))
    paths, refused = {}, set()
    for label, name, content_type, content in hostile_files("form", lambda label: paths.get(label, "/none")):
        before = set(Job.objects.values_list("pk", flat=True))
        author.post(
            "/create/",
            {
                "image": SimpleUploadedFile(name, content, content_type),
                "audio": SimpleUploadedFile("voice.wav", speech_wav(), "audio/wav"),
                "model": DEFAULT_MODEL_KEY,
            },
        )
        created = Job.objects.exclude(pk__in=before).first()
        if created is None:
            refused.add(label)
        else:
            paths[label] = created.image_file.url
    return paths, refused


DOORS = {
    "engine storage": through_the_engine,
    "fal proxy upload": through_the_fal_proxy,
    "seed API upload": through_an_upload_endpoint("/api/generate/upload-file", "url"),
    "v1 file upload": through_an_upload_endpoint("/api/v1/files", "file_url"),
}


@pytest.fixture
def victim(chromium, live_server):
    """A signed-in staff member's browser (session and CSRF cookies), and the sink calls it made."""
    make_user("victim", is_staff=True)
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    calls = []
    context.on("request", lambda request: calls.append(request.url) if SINK in request.url else None)
    page = context.new_page()
    log_in(page, live_server.url, "victim")
    yield page, calls
    context.close()


def opened(page, url):
    """Open `url` in the tab as a person following a link would; a download is not a page."""
    try:
        page.goto(url, wait_until="load")
    except PlaywrightError as exc:
        assert "Download is starting" in str(exc), exc


def loaded_as_script(page, base_url, url):
    """Load `url` with a <script> element in a page of ours (its CSP allows our origin's scripts)."""
    page.goto(f"{base_url}/", wait_until="load")
    return page.evaluate(
        """url => new Promise(resolve => {
            const script = document.createElement("script");
            script.src = url;
            script.onload = () => resolve("ran");
            script.onerror = () => resolve("refused");
            document.head.append(script);
        })""",
        url,
    )


def assert_none_runs(page, calls, base_url, urls):
    as_scripts = {}
    for label, url in urls.items():
        opened(page, url)
        as_scripts[label] = loaded_as_script(page, base_url, url)
    # A call that does run (the test's own, in the victim's tab) is seen: the sink is watched.
    page.evaluate(f"() => {sink('control')}")

    assert any(call.endswith(f"{SINK}control") for call in calls)
    assert [call for call in calls if not call.endswith(f"{SINK}control")] == []
    assert set(as_scripts.values()) == {"refused"}, as_scripts
    for label, url in urls.items():
        served = httpx.get(
            url, cookies={cookie["name"]: cookie["value"] for cookie in page.context.cookies()}, follow_redirects=True
        )
        assert served.status_code == 200, (label, url)
        assert served.headers.get("x-content-type-options") == "nosniff", (label, served.headers)
        policy = served.headers.get("content-security-policy", "")
        assert policy.startswith("sandbox") and "allow-scripts" not in policy and "default-src 'none'" in policy, (
            label,
            policy,
        )
        shown_inline = served.headers["content-type"].startswith(MEDIA_TYPES)
        assert shown_inline or served.headers["content-disposition"].startswith("attachment"), (label, served.headers)


@pytest.mark.parametrize("door", DOORS)
def test_no_file_uploaded_to_fal_storage_runs_as_a_page_or_a_script(fal_engine, live_server, victim, door):
    page, calls = victim
    urls, refused = DOORS[door](live_server)

    assert set(urls) | refused == {"js", "html", "svg", "webp", "png"}
    if door != "engine storage":
        assert refused == {"js", "html", "svg"}  # our doors take only real pictures and sounds
    assert_none_runs(page, calls, live_server.url, urls)


def test_no_portrait_uploaded_through_the_create_form_runs_as_a_page_or_a_script(fal_engine, victim, settings):
    page, calls = victim
    paths, refused = through_the_create_form()
    # /media/ as the app serves it: live_server answers /media/ itself, so a server of our own.
    with app_server(MEDIA_ROOT=settings.MEDIA_ROOT) as base_url:
        # Signed in there too (that process hashes passwords as production does: a session).
        session = Client()
        session.force_login(get_user_model().objects.get(username="victim"))
        page.context.add_cookies([{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": base_url}])

        assert refused == {"js", "html", "svg"}
        assert_none_runs(page, calls, base_url, {label: base_url + path for label, path in paths.items()})
