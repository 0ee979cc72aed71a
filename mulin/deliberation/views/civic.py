"""Pages of deliberation: civic."""

urlpatterns: list = []
