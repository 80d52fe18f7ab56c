"""Pages of the connectivity call: followup (being built)."""

urlpatterns = []
