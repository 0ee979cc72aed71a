from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("compounds/", views.compound_list, name="compound_list"),
    path("compounds/<slug:code>/", views.compound, name="compound"),
    path("compounds/<slug:code>/buildings/<str:number>/", views.building, name="building"),
    path("compounds/<slug:code>/parking/", views.parking, name="parking"),
    path("compounds/<slug:code>/parking/add/", views.parking_add, name="parking_add"),
    path("compounds/<slug:code>/parking/<int:pk>/edit/", views.parking_edit, name="parking_edit"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/forms/<slug:name>/", views.unit_editor, name="unit_editor"),
    path("units/<int:pk>/residents/", views.unit_resident_add, name="unit_resident_add"),
    path(
        "units/<int:pk>/residents/<int:residency_pk>/end/",
        views.unit_residency_end,
        name="unit_residency_end",
    ),
    path("units/<int:pk>/owners/", views.unit_owner_add, name="unit_owner_add"),
    path(
        "units/<int:pk>/owners/<int:ownership_pk>/end/",
        views.unit_ownership_end,
        name="unit_ownership_end",
    ),
    path("units/<int:pk>/vehicles/", views.unit_vehicle_add, name="unit_vehicle_add"),
    path("c/<slug:code>/", views.public, name="public"),
]
