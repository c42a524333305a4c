"""Points the unmodified fal-client at a fal-compatible base URL.

fal-client 1.0.x builds every URL from four module constants with a hard-coded https
scheme, read when each call is made (REST_URL also when the CDN token manager is built).
Setting them in this one place lets the same client code reach the local engine over HTTP.
"""

import fal_client.client as fal_client_module

REAL_FAL_URLS = {
    "QUEUE_URL_FORMAT": fal_client_module.QUEUE_URL_FORMAT,
    "RUN_URL_FORMAT": fal_client_module.RUN_URL_FORMAT,
    "REST_URL": fal_client_module.REST_URL,
    "CDN_URL": fal_client_module.CDN_URL,
}


def engine_urls(base_url: str) -> dict[str, str]:
    """The fal-client constants for an engine mounted at base_url (e.g. http://host:port/_fal)."""
    base_url = base_url.rstrip("/")
    return {
        "QUEUE_URL_FORMAT": f"{base_url}/queue/",
        "RUN_URL_FORMAT": f"{base_url}/run/",
        "REST_URL": f"{base_url}/rest",
        "CDN_URL": f"{base_url}/cdn",
    }


def route_fal_client(base_url: str | None) -> None:
    """Send fal-client's calls to base_url, or back to real fal when base_url is None."""
    urls = REAL_FAL_URLS if base_url is None else engine_urls(base_url)
    for name, value in urls.items():
        setattr(fal_client_module, name, value)
