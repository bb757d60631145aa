from django.contrib.auth import views as auth_views
from django.urls import path

from apps.partners import views

urlpatterns = [
    path("", views.home, name="home"),
    path("partner/", views.partner_page, name="partner-home"),
    path("login/", auth_views.LoginView.as_view(template_name="partners/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch-partner/", views.switch_partner, name="switch-partner"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
