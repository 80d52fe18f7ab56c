"""Pages of the connectivity call: applications (being built)."""

urlpatterns = []
