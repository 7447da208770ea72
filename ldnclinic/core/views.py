from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    return _error_page(request, 404, "Not found", "There is nothing here, or you may not see it.")


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else "Your role does not allow this."
    return _error_page(request, 403, "Not allowed", message)


def server_error(request):
    return _error_page(request, 500, "Something went wrong", "The error has been logged.")


def _error_page(request, status, title, message):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message, "fields": {}}, status=status)
    return render(request, "error.html", {"title": title, "message": message}, status=status)
