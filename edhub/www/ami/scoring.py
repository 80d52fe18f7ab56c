"""Pages of the connectivity call: scoring (being built)."""

urlpatterns = []
