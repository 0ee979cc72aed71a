from .views import civic, meetings, projects, topics

app_name = "deliberation"
urlpatterns = [
    *topics.urlpatterns,
    *meetings.urlpatterns,
    *projects.urlpatterns,
    *civic.urlpatterns,
]
