from django.urls import path

from edhub.www.schools import views

app_name = "schools"
urlpatterns = [path("<str:uai>/", views.detail, name="detail")]
