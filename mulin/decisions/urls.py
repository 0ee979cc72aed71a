from .views import ballots, owners, results, staff

app_name = "decisions"
urlpatterns = [
    *staff.urlpatterns,
    *ballots.urlpatterns,
    *owners.urlpatterns,
    *results.urlpatterns,
]
