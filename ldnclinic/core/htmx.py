from django.shortcuts import render


def render_page_or_partial(request, template, partial, context, status=200):
    """Render the full page, or only `partial` when htmx asks for a fragment."""
    is_htmx = request.headers.get("HX-Request") == "true"
    if is_htmx and not request.headers.get("HX-Boosted"):
        return render(request, partial, context, status=status)
    return render(request, template, context, status=status)
