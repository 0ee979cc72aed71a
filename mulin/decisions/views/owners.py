"""placeholder until the owners pages land"""

urlpatterns: list = []
