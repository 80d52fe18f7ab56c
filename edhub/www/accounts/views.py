from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse

from edhub.www.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "proconnect": settings.PROCONNECT,
            "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Connexion"},
        }
