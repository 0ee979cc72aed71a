from django.urls import path

from . import data_views

# Spreadsheet import and the exports; combined with the pages in `people/urls.py`.
urlpatterns = [
    path("import/template.<str:fmt>", data_views.import_template, name="import_template"),
    path("compounds/<slug:code>/import/", data_views.registry_import_page, name="import"),
    path(
        "compounds/<slug:code>/export.<str:fmt>",
        data_views.registry_export,
        name="registry_export",
    ),
    path("persons/<int:pk>/export.<str:fmt>", data_views.person_export, name="export"),
]
