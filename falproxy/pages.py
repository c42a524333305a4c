from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie


@login_required
@ensure_csrf_cookie  # the page's script sends it with every proxied call
def sdk_page(request):
    """The seed's JavaScript example, run in the browser with the vendored @fal-ai/client."""
    return render(request, "falproxy/sdk.html")
