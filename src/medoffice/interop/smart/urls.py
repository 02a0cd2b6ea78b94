"""OAuth 2.0 / OpenID Connect under /o/ (the namespace django-oauth-toolkit reverses)."""

from django.urls import path

from medoffice.interop.smart import views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.authorize, name="authorize"),
    path("token/", views.token, name="token"),
    path("revoke_token/", views.revoke_token, name="revoke-token"),
    path("introspect/", views.introspect, name="introspect"),
    path(
        ".well-known/openid-configuration",
        views.openid_configuration,
        name="oidc-connect-discovery-info",
    ),  # fmt: skip
    path(".well-known/jwks.json", views.jwks, name="jwks-info"),
    path("userinfo/", views.userinfo, name="user-info"),
]
