"""/healthz: database and broker status for load balancers and monitoring."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure means "not healthy", reported as such
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}


def _broker() -> dict:
    if not settings.BROKER_URL:
        return {"ok": True, "mode": "eager"}
    from mulin.celery import app

    try:
        with app.connection_for_write(settings.BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "mode": "broker"}
    except Exception as exc:
        return {"ok": False, "mode": "broker", "error": exc.__class__.__name__}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", **checks}, status=200 if ok else 503)
