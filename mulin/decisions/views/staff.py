"""placeholder until the staff pages land"""

urlpatterns: list = []
