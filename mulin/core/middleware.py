import uuid

from django.utils import translation

from .audit import current_request


class RequestIdMiddleware:
    """Tag each request with an id (from the proxy's X-Request-ID when present) for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        token = current_request.set(
            {"request_id": request_id, "ip": request.META.get("REMOTE_ADDR")}
        )
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request_id
        return response


class UserPreferencesMiddleware:
    """A signed-in user's saved language wins over the browser's; elder mode follows the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        if user is not None and user.is_authenticated:
            request.elder_mode = user.elder_mode
        else:
            request.elder_mode = request.session.get("elder_mode", False)
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
