from django.urls import path

from . import inbox_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/household/", views.household, name="household"),
    path("me/bind/", views.bind, name="bind"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/inbox/", inbox_views.inbox, name="inbox"),
    path("me/inbox/<int:pk>/read/", inbox_views.inbox_read, name="inbox_read"),
    path("me/inbox/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("staff/bindings/", views.bindings, name="bindings"),
    path("staff/bindings/<int:pk>/decide/", views.binding_decide, name="binding_decide"),
    path(
        "staff/users/<int:pk>/reset-password/",
        views.user_reset_password,
        name="user_reset_password",
    ),
    path("audit/person/<int:pk>/", views.audit_person, name="audit_person"),
    path("audit/<str:target_type>/<str:target_id>/", views.audit_object, name="audit_object"),
]
