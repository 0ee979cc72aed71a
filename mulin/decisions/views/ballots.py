"""placeholder until the ballots pages land"""

urlpatterns: list = []
