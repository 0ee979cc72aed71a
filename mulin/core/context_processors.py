from . import access


def mulin(request):
    user = getattr(request, "user", None)
    return {
        "elder_mode": getattr(request, "elder_mode", False),
        "is_staff_user": bool(user and user.is_authenticated and access.is_staff_user(user)),
    }
