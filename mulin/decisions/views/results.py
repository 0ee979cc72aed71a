"""placeholder until the results pages land"""

urlpatterns: list = []
