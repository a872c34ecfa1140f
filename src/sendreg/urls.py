from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from sendreg.accounts import views as accounts
from sendreg.accounts.forms import EmailAuthenticationForm
from sendreg.audit import views as audit
from sendreg.imports import views as imports
from sendreg.pages import views as pages
from sendreg.pupils import views as pupils
from sendreg.register import views as register

urlpatterns = [
    path("", pages.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=EmailAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("school/", accounts.school_switch, name="school_switch"),
    path("register/", register.register_list, name="register"),
    path("monitoring/", register.monitoring_list_view, name="monitoring"),
    path("pupils/", pages.pupil_list, name="pupil_list"),
    path("pupils/<int:pk>/", pages.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pk>/edit/", pupils.pupil_edit, name="pupil_edit"),
    path("pupils/<int:pk>/sen/", register.sen_record_edit, name="sen_edit"),
    path("pupils/<int:pk>/monitoring/", register.monitoring_add, name="monitoring_add"),
    path(
        "pupils/<int:pk>/monitoring/<int:entry_pk>/end/",
        register.monitoring_remove,
        name="monitoring_end",
    ),
    path("pupils/<int:pk>/contacts/new/", pupils.contact_edit, name="contact_add"),
    path("pupils/<int:pk>/contacts/<int:contact_pk>/", pupils.contact_edit, name="contact_edit"),
    path(
        "pupils/<int:pk>/contacts/<int:contact_pk>/delete/",
        pupils.contact_delete,
        name="contact_delete",
    ),
    path("audit/", audit.audit_list, name="audit"),
    path("audit/", include("sendreg.audit.urls")),
    path("account/", include("sendreg.accounts.urls")),
    path("privacy/", include("sendreg.privacy.urls")),
    path("registers/", include("sendreg.records.urls")),
    path("documents/", include("sendreg.documents.urls")),
    path("provision/", include("sendreg.provision.urls")),
    path("notifications/", include("sendreg.documents.notification_urls")),
    path("transfer/", include("sendreg.transfer.urls")),
    path("support/", include("sendreg.support.urls")),
    path("ehc/", include("sendreg.ehc.urls")),
    path("deadlines/", include("sendreg.deadlines.urls")),
    path("org/", include("sendreg.organisations.urls")),
    path("insight/", include("sendreg.insight.urls")),
    path("", include("sendreg.insight.report_urls")),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/pending/<str:token>/", imports.import_preview, name="import_preview"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("register/discrepancies/", register.discrepancy_list, name="discrepancies"),
    path("census/", include("sendreg.census.urls")),
    path(
        "register/discrepancies/<int:pk>/",
        register.discrepancy_resolve,
        name="discrepancy_resolve",
    ),
    path(
        "register/discrepancies/<int:pk>/accept/",
        register.discrepancy_accept,
        name="discrepancy_accept",
    ),
]
