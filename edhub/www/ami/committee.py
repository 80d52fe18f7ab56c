"""Pages of the connectivity call: committee (being built)."""

urlpatterns = []
