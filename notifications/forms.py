from django import forms


class PreferenceForm(forms.Form):
    email_when_done = forms.BooleanField(
        required=False,
        label="E-mail me when a video or a batch is done",
        help_text="One e-mail per finished video (made, failed or timed "
        "out) and one per batch, not one per batch item.",
    )
