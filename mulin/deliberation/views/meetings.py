"""Pages of deliberation: meetings."""

urlpatterns: list = []
