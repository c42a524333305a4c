from django import forms

from . import services
from .models import EventType


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where we POST your events; it must be reachable from the internet.",
    )
    description = forms.CharField(max_length=200, required=False, help_text="Optional: a note for yourself.")
    events = forms.MultipleChoiceField(
        choices=EventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave them all unticked to receive every event, including ones added later.",
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        services.check_webhook_url(url)
        return url
