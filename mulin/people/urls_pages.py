from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("persons/<int:pk>/", views.person, name="person"),
    path("persons/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/forms/<slug:name>/", views.person_editor, name="person_editor"),
    path("persons/<int:pk>/care/", views.care_tag_add, name="care_tag_add"),
    path("persons/<int:pk>/care/<int:tag_pk>/end/", views.care_tag_end, name="care_tag_end"),
    path("persons/<int:pk>/skills/", views.skills_set, name="skills_set"),
    path("persons/<int:pk>/consents/", views.consent_grant, name="consent_grant"),
    path("persons/<int:pk>/consents/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
