from .views import public, resident, workbench

app_name = "tickets"
urlpatterns = [*resident.urlpatterns, *workbench.urlpatterns, *public.urlpatterns]
