"""Admin classes whose saves and deletes go through the app's services (validation, permissions and
the audit actor then cannot differ from the API's). Declare the services once per admin or inline:

    class ServiceAdmin(ServiceBackedAdmin):
        writes = ServiceWrites(services.service_create, services.service_update,
                               services.service_delete, subject="service")
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from core.admin_permissions import RulesAdminMixin, config_rules
from core.errors import DomainError, InvalidInput
from core.permissions import CONFIGURE
from core.validation import add_form_errors


@dataclass(frozen=True)
class ServiceWrites:
    create: Callable[..., models.Model]  # create(*, actor, **fields)
    update: Callable[..., models.Model]  # update(*, <subject>=obj, actor, **fields)
    delete: Callable[..., None]  # delete(*, <subject>=obj, actor)
    subject: str  # the keyword naming the record in update/delete

    def save(self, obj: models.Model, *, actor, fields: dict, change: bool) -> models.Model:
        if change:
            return self.update(**{self.subject: obj}, actor=actor, **fields)
        return self.create(actor=actor, **fields)

    def remove(self, obj: models.Model, *, actor) -> None:
        self.delete(**{self.subject: obj}, actor=actor)


def form_fields(form, *, changed_only: bool) -> dict:
    """The model fields a (model) form set: all of them for a new record, the changed ones otherwise."""
    model = form._meta.model
    names = form.changed_data if changed_only else list(form.cleaned_data)
    values = {}
    for name in names:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.primary_key and name in form.cleaned_data:
            values[name] = form.cleaned_data[name]
    return values


class ConfigPermissions(RulesAdminMixin):
    """Holders of core.configure (managers, superusers) configure; the services check the same rule."""

    permission_rules = config_rules(CONFIGURE)


class ServiceBackedInline(ConfigPermissions):
    """Mix into an admin inline: its rows are saved and deleted through `writes`."""

    writes: ServiceWrites


class ServiceBackedAdmin(ConfigPermissions, admin.ModelAdmin):
    """save_model / delete_model / save_related / save_formset call `writes` (and each inline's)."""

    writes: ServiceWrites

    def save_model(self, request, obj, form, change) -> None:
        # Many-to-many values go in the same service call; save_related does not save them again.
        saved = self.writes.save(
            obj, actor=request.user, fields=form_fields(form, changed_only=change), change=change
        )
        obj.pk = saved.pk
        form.instance = saved

    def save_related(self, request, form, formsets, change) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change) -> None:
        inline = next(i for i in self.get_inline_instances(request) if i.model is formset.model)
        writes, actor = inline.writes, request.user
        parent = {formset.fk.name: form.instance} if hasattr(formset, "fk") else {}
        # What formset.save() would have recorded (the admin's change message reads it).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if formset.can_delete and formset._should_delete_form(row):
                if row.instance.pk:
                    writes.remove(row.instance, actor=actor)
                    formset.deleted_objects.append(row.instance)
            elif row.instance.pk is None:
                if row.has_changed():
                    fields = {**form_fields(row, changed_only=False), **parent}
                    formset.new_objects.append(
                        writes.save(row.instance, actor=actor, fields=fields, change=False)
                    )
            elif row.has_changed():
                fields = form_fields(row, changed_only=True)
                saved = writes.save(row.instance, actor=actor, fields=fields, change=True)
                formset.changed_objects.append((saved, row.changed_data))

    def delete_model(self, request, obj) -> None:
        self.writes.remove(obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            try:
                self.writes.remove(obj, actor=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)


class ServiceCheckedAdmin(RulesAdminMixin, admin.ModelAdmin):
    """For an admin that saves through its own service calls (`save_model`): deletes go through
    `service_delete`, and the form runs `service_clean` (the service's validation), so its messages
    show next to the fields."""

    def service_delete(self, obj: models.Model, *, actor) -> None:
        raise NotImplementedError

    def service_clean(self, cleaned: dict, *, obj: models.Model | None) -> None:
        """Raise InvalidInput for bad values (`obj`: the record edited, None when adding)."""

    def delete_model(self, request, obj) -> None:
        self.service_delete(obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.service_delete(obj, actor=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        service_clean = self.service_clean

        class ValidatedForm(form_class):
            """Run the service's validation on the form, so errors show next to the fields."""

            def clean(self):
                cleaned = super().clean()
                try:
                    service_clean(cleaned, obj=obj)
                except InvalidInput as error:
                    add_form_errors(self, error)
                return cleaned

        return ValidatedForm
