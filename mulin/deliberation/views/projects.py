"""Pages of deliberation: projects."""

urlpatterns: list = []
