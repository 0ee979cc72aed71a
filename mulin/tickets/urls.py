from .views import categories, followup_calls, public, resident, workbench

app_name = "tickets"
urlpatterns = [
    *resident.urlpatterns,
    *workbench.urlpatterns,
    *followup_calls.urlpatterns,
    *categories.urlpatterns,
    *public.urlpatterns,
]
