"""The app's URLs plus /bench/insert: one single-row insert transaction, the baseline."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from ldnclinic.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def insert(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (note) VALUES (%s)", [request.method])
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("bench/insert", insert), *app_urlpatterns]
