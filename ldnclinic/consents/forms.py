from django import forms


class SignConsentForm(forms.Form):
    typed_name = forms.CharField(
        label="Your full name",
        max_length=200,
        help_text="Type your first and last name as they are on your record.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(
        label="I have read this document and I agree to it",
        required=False,  # the action says why a missing tick is refused, with the name check
    )
