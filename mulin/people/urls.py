from .urls_data import urlpatterns as data_patterns
from .urls_pages import urlpatterns as page_patterns

app_name = "people"
# Pages (search, person, reveal) and data (import, exports) are built separately.
urlpatterns = page_patterns + data_patterns
