"""Good Faith pages (behind login), mounted at /good-faith/ (namespace "good_faith")."""

from django.urls import path

from good_faith.views import audits, holder, misuse, service_level, staff

app_name = "good_faith"

urlpatterns = [
    path("", holder.holder_overview, name="holder-overview"),
    path("holders/<int:pk>/", holder.holder_detail, name="holder-detail"),
    path("staff/", staff.staff_list, name="staff-list"),
    path("staff/<slug:segment>/<int:pk>/", staff.staff_detail, name="staff-detail"),
    path(
        "staff/<slug:segment>/<int:pk>/grant/",
        staff.staff_membership_decide,
        {"action": "grant"},
        name="staff-grant",
    ),
    path(
        "staff/<slug:segment>/<int:pk>/revoke/",
        staff.staff_membership_decide,
        {"action": "revoke"},
        name="staff-revoke",
    ),
    path("staff/memberships/<int:pk>/lift/", staff.staff_override_lift, name="staff-override-lift"),
    path("audits/", audits.audit_queue, name="audit-queue"),
    path("audits/<int:pk>/", audits.audit_detail, name="audit-detail"),
    path("audits/<int:pk>/decide/", audits.audit_decide, name="audit-decide"),
    path("audits/<int:pk>/release/", audits.audit_release, name="audit-release"),
    path("misuse/", misuse.misuse_list, name="misuse"),
    path("misuse/<int:pk>/appeal/", misuse.misuse_appeal, name="misuse-appeal"),
    path("misuse/<int:pk>/decide/", misuse.misuse_decide, name="misuse-decide"),
    path("service-level/", service_level.service_level, name="service-level"),
]
