from django import forms

from ldnclinic.website.markup import MAX_LENGTH

ACTIONS = ("save", "preview", "publish")


class PageForm(forms.Form):
    markdown = forms.CharField(
        label="Page text (Markdown)",
        max_length=MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text=(
            "Headings with ## and ###, lists, tables, links and **bold**. Scripts, images, "
            "embedded frames and styles are removed. Name the source and grade of each fact."
        ),
    )


class BrandingForm(forms.Form):
    tagline = forms.CharField(max_length=200, required=False)
    primary_colour = forms.CharField(
        label="Main colour",
        max_length=7,
        help_text="A hex code such as #164766; white text must be readable on it.",
    )
    accent_colour = forms.CharField(
        label="Button colour",
        max_length=7,
        help_text="A hex code; white text must be readable on it.",
    )
    opening_hours = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text='One row a line, e.g. "Mon-Fri 09:00-17:00" or "Sun closed".',
    )
    logo = forms.FileField(
        required=False,
        help_text="PNG, JPEG, GIF or WebP, up to 2 MB; shown at most 512 px a side.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    logo_alt = forms.CharField(
        label="Logo description",
        max_length=200,
        required=False,
        help_text="Read out by screen readers; the clinic name if empty.",
    )
    remove_logo = forms.BooleanField(required=False)
