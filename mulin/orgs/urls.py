from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("compounds/<slug:code>/organisations/", views.organisation_list, name="list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="detail"),
    path("compounds/<slug:code>/org-chart/", views.org_chart, name="chart"),
    path("compounds/<slug:code>/duty/", views.duty_roster, name="duty"),
]
