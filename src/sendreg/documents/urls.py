from __future__ import annotations

from django.urls import path

from sendreg.documents import views

urlpatterns = [
    path("letters/<int:pk>/", views.letter_download, name="documents_letter"),
    path("letter-templates/", views.letter_templates, name="documents_letter_templates"),
    path(
        "letter-templates/<str:kind>/",
        views.letter_template_edit,
        name="documents_letter_template_edit",
    ),
    path("school-contact/", views.school_contact_edit, name="documents_school_contact"),
    path("register-pack/", views.register_pack_download, name="documents_register_pack"),
]
