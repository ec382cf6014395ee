"""Top-level URLs: each app owns its own urls module."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from registry.forms import SignInForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("registry.urls")),
    path("legislation/", include("legislation.urls")),
    path("maps/", include("mapping.urls")),
    path("data/", include("exchange.urls")),
    path("api/v1/", include("config.api_urls")),
]
