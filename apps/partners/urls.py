from django.contrib.auth import views as auth_views
from django.urls import path

from apps.partners import views

urlpatterns = [
    path("", views.home, name="home"),
    path("partner/", views.partner_page, name="partner-home"),
    path("login/", auth_views.LoginView.as_view(template_name="partners/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="partners/password_set.html", success_url="/login/", post_reset_login=False
        ),
        name="password-set",
    ),
    path("switch-partner/", views.switch_partner, name="switch-partner"),
    path("members/", views.member_list, name="member-list"),
    path("members/<int:membership_id>/role/", views.member_role, name="member-role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("audit/", views.audit_log, name="audit-log"),
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/<slug:slug>/", views.partner_detail, name="partner-detail"),
]
