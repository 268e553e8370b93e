"""Every write made in the Django admin is audited, by one mixin every editable ModelAdmin uses.

Statuses and decisions never move in the admin (their admins are read-only and
the domain functions audit them). What staff do edit there (organisations and
their members' roles, letters of authorisation, authorised stores, merchants'
identity, which store a listing belongs to, partners' vetting, canned reasons,
users' groups) decides who may file for a brand, whose listings a notice can
name and who may decide, so each save and each deletion writes an entry to the
audit log (``portal.audit``) in the admin's own transaction: who, what, every
changed field with its value before and after, and the inline rows added,
changed or deleted (an organisation's memberships are an inline).
"""

import datetime
from decimal import Decimal

from django.core.files import File
from django.db import models, transaction

from portal.audit import audit_log_record

# Never copied into the log: a password hash, the password typed in a form, a key's hash, a webhook secret.
SECRET_MARKERS = ("password", "secret")


def _secret(name):
    return any(marker in name for marker in SECRET_MARKERS)


def audit_plain(value):
    """A value as the audit log's JSON keeps it: ids for rows, ISO text for instants, names for files."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((audit_plain(v) for v in value), key=str)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, File) or hasattr(value, "name") and hasattr(value, "read"):
        return getattr(value, "name", "") or ""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _form_changes(form):
    """{field: {"before": ..., "after": ...}} for what the form changed; secrets named, never valued."""
    changes = {}
    for name in form.changed_data:
        if _secret(name):
            changes[name] = "changed"
            continue
        field = form.fields.get(name)
        before = form.initial.get(name, field.initial if field is not None else None)
        if callable(before):
            before = before()
        before, after = audit_plain(before), audit_plain(form.cleaned_data.get(name))
        if before != after:  # a form may call a field changed that reads the same (e.g. a prepopulated slug)
            changes[name] = {"before": before, "after": after}
    return changes


def _row_values(obj):
    return {
        f.attname: audit_plain(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if not f.primary_key and not _secret(f.name)
    }


def _inline_deletions(formset):
    """The rows an inline is about to delete (read before the save, which forgets their ids)."""
    return [
        {"id": form.instance.pk, "repr": str(form.instance)[:200], "values": _row_values(form.instance)}
        for form in formset.deleted_forms
        if form.instance.pk is not None
    ]


def _inline_changes(formsets):
    """The rows each inline added, changed and deleted, with their values."""
    changes = []
    for formset in formsets:
        deleting = set(getattr(formset, "deleted_forms", []))
        added = {obj.pk for obj in getattr(formset, "new_objects", [])}
        rows = {"added": [], "changed": [], "deleted": getattr(formset, "audit_deleted", [])}
        for form in formset.forms:
            pk = form.instance.pk
            if form in deleting or pk is None:
                continue
            if pk in added:
                rows["added"].append({"id": pk, "repr": str(form.instance)[:200], "values": _row_values(form.instance)})
            elif form.has_changed():
                fields = _form_changes(form)
                if fields:
                    rows["changed"].append({"id": pk, "repr": str(form.instance)[:200], "fields": fields})
        if any(rows.values()):
            changes.append({"model": formset.model._meta.label_lower, **rows})
    return changes


class AuditedAdminMixin:
    """Audit each add, change and deletion made through this ModelAdmin.

    ``audit_action`` names the entries (``<audit_action>.created|changed|deleted``; by default
    ``<app label>.<model name>.admin_...``); ``audit_organisation_path`` is the dotted path from the
    object to the organisation the entry is filed under (empty: none).
    """

    audit_action = None
    audit_organisation_path = ""

    def _audit_action(self, verb):
        if self.audit_action:
            return f"{self.audit_action}.{verb}"
        opts = self.model._meta
        return f"{opts.app_label}.{opts.model_name}.admin_{verb}"

    def audit_organisation(self, obj):
        target = obj
        for step in filter(None, self.audit_organisation_path.split(".")):
            target = getattr(target, step, None)
            if target is None:
                return None
        return target if self.audit_organisation_path else None

    def audit_record(self, request, obj, verb, data):
        audit_log_record(
            action=self._audit_action(verb),
            actor=request.user,
            obj=obj,
            organisation=self.audit_organisation(obj),
            data={"via": "admin", **data},
        )

    def save_formset(self, request, form, formset, change):
        formset.audit_deleted = _inline_deletions(formset) if formset.is_bound else []
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        # After the many-to-many fields and the inlines are saved: the entry shows the object as it now is.
        super().save_related(request, form, formsets, change)
        data = {"changed": _form_changes(form)} if change else {"values": _row_values(form.instance)}
        inlines = _inline_changes(formsets)
        if inlines:
            data["inlines"] = inlines
        if change and not data["changed"] and not inlines:
            return  # saved unchanged: nothing happened worth an entry
        self.audit_record(request, form.instance, "changed" if change else "created", data)

    def delete_model(self, request, obj):
        # Recorded first, while the row (and the organisation it leads to) still exists.
        with transaction.atomic():
            self.audit_record(request, obj, "deleted", {"values": _row_values(obj)})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.audit_record(request, obj, "deleted", {"values": _row_values(obj)})
            super().delete_queryset(request, queryset)
