from django.urls import path, re_path

from edhub.www.organisations import views

# Included at the root: the organisations' pages under /organisations/, the invitation links under /invitations/.
app_name = "organisations"
urlpatterns = [
    path("organisations/rejoindre/", views.join, name="join"),
    path("organisations/<int:pk>/", views.detail, name="detail"),
    path("organisations/<int:pk>/inviter/", views.invite, name="invite"),
    path("organisations/<int:pk>/quitter/", views.leave, name="leave"),
    path("organisations/<int:pk>/nouveaux-venus/", views.newcomers, name="newcomers"),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/annuler/",
        views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("organisations/<int:pk>/membres/<int:member_pk>/retirer/", views.remove, name="remove"),
    re_path(
        r"^organisations/(?P<pk>[0-9]+)/membres/(?P<member_pk>[0-9]+)/administrateur/(?P<action>accorder|retirer)/$",
        views.admin_flag,
        name="admin",
    ),
    re_path(
        r"^organisations/(?P<pk>[0-9]+)/demandes/(?P<request_pk>[0-9]+)/(?P<verdict>accepter|refuser)/$",
        views.answer,
        name="answer",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
