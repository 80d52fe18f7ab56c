from django.contrib.auth import views as auth_views
from django.urls import path

from edhub.www.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisation/", views.switch, name="switch"),
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe-oublie/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe-oublie/termine/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("proconnect/sans-organisation/", views.proconnect_unknown, name="proconnect_unknown"),
]
