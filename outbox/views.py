"""Browser pages for outgoing webhooks: thin views that validate, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import EndpointForm

PAGE_SIZE = 20


def _owned_endpoint(user, endpoint_id):
    endpoint = selectors.endpoints_of(user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such endpoint.")
    return endpoint


@login_required
def endpoint_list(request):
    """My endpoints, the secret of one-off webhook URLs, and my latest deliveries."""
    deliveries = Paginator(selectors.deliveries_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoints": selectors.endpoints_of(request.user),
        "signing_secret": services.signing_secret_for(request.user),
        "deliveries": deliveries,
    }
    return render(request, "outbox/endpoint_list.html", context)


@login_required
def endpoint_new(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        endpoint = services.create_endpoint(
            request.user, url=data["url"], events=data["events"], description=data["description"]
        )
        # Shown on this answer only: the secret is never displayed again.
        return render(request, "outbox/endpoint_created.html", {"endpoint": endpoint}, status=201)
    return render(request, "outbox/endpoint_form.html", {"form": form})


@login_required
def endpoint_detail(request, endpoint_id):
    endpoint = _owned_endpoint(request.user, endpoint_id)
    deliveries = Paginator(selectors.deliveries_to(endpoint), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outbox/endpoint_detail.html", {"endpoint": endpoint, "deliveries": deliveries})


@login_required
@require_POST
def endpoint_enable(request, endpoint_id):
    endpoint = _owned_endpoint(request.user, endpoint_id)
    services.update_endpoint(endpoint, enabled=True)
    messages.success(request, "The endpoint is enabled: new events are sent to it again.")
    return redirect("outbox:endpoint", endpoint_id=endpoint.pk)


@login_required
@require_POST
def endpoint_disable(request, endpoint_id):
    endpoint = _owned_endpoint(request.user, endpoint_id)
    services.update_endpoint(endpoint, enabled=False)
    messages.success(request, "The endpoint is disabled: nothing is sent to it until you enable it.")
    return redirect("outbox:endpoint", endpoint_id=endpoint.pk)


@login_required
def endpoint_delete(request, endpoint_id):
    endpoint = _owned_endpoint(request.user, endpoint_id)
    if request.method == "POST":
        services.delete_endpoint(endpoint)
        messages.success(request, "The endpoint and its delivery log were deleted.")
        return redirect("outbox:list")
    return render(request, "outbox/endpoint_confirm_delete.html", {"endpoint": endpoint})


@login_required
@require_POST
def redeliver(request, delivery_id):
    delivery = selectors.delivery_of(request.user, delivery_id)
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        services.redeliver(delivery.message, endpoint=delivery.endpoint, url=delivery.url)
    except services.EndpointDisabled as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{delivery.message.type} ({delivery.message_id}) will be sent again within a few seconds."
        )
    if delivery.endpoint_id:
        return redirect("outbox:endpoint", endpoint_id=delivery.endpoint_id)
    return redirect("outbox:list")
