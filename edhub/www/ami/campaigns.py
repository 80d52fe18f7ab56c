"""Pages of the connectivity call: campaigns (being built)."""

urlpatterns = []
