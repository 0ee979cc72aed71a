"""Pages of deliberation: topics."""

urlpatterns: list = []
