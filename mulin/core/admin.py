"""Django admin, for platform admins only (superusers or holders of a platform-admin grant).

Changes made here go through `audit.record` like every other write, so the admin is not a way
around the audit log. Other apps register their models with `PlatformModelAdmin`.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import ApiToken, AuditEvent, BindingRequest, Role, RoleGrant, ScopeKind, User


def is_platform_admin(user) -> bool:
    if not (user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    return (
        RoleGrant.objects.current()
        .filter(user=user, role=Role.PLATFORM_ADMIN, scope=ScopeKind.PLATFORM)
        .exists()
    )


def _has_permission(request) -> bool:
    cached = getattr(request, "_mulin_platform_admin", None)
    if cached is None:
        cached = request._mulin_platform_admin = is_platform_admin(request.user)
    return cached


admin.site.has_permission = _has_permission
admin.site.site_header = _("Mulin administration")
admin.site.site_title = _("Mulin administration")
admin.site.index_title = _("Platform settings")


class PlatformModelAdmin(admin.ModelAdmin):
    """Platform admins may do everything here; every save and delete is audited."""

    def has_view_permission(self, request, obj=None):
        return _has_permission(request)

    def has_module_permission(self, request):
        return _has_permission(request)

    def has_add_permission(self, request):
        return _has_permission(request)

    def has_change_permission(self, request, obj=None):
        return _has_permission(request)

    def has_delete_permission(self, request, obj=None):
        return _has_permission(request)

    def save_model(self, request, obj, form, change):
        # Secrets and their derivatives never go into the audit log (ciphertext, digests, hashes).
        fields = [
            f.attname
            for f in obj._meta.concrete_fields
            if f.attname != "password"
            and not f.attname.endswith(("_encrypted", "_digest", "_hash"))
        ]
        before = {}
        if change and obj.pk:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = audit.snapshot(old, fields) if old else {}
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="admin.changed" if change else "admin.created",
            target=obj,
            changes=audit.diff(before, audit.snapshot(obj, fields)),
        )

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action="admin.deleted", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(actor=request.user, action="admin.deleted", target=obj)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(PlatformModelAdmin):
    """Records written only by their services (audit events, binding decisions, tokens)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    fields = [
        "role",
        "scope",
        "subdistrict",
        "community",
        "compound",
        "building",
        "organisation",
        "starts_at",
        "ends_at",
    ]
    raw_id_fields = ["subdistrict", "community", "compound", "building", "organisation"]

    def has_view_permission(self, request, obj=None):
        return _has_permission(request)

    def has_add_permission(self, request, obj=None):
        return _has_permission(request)

    def has_change_permission(self, request, obj=None):
        return _has_permission(request)

    def has_delete_permission(self, request, obj=None):
        return _has_permission(request)


@admin.register(User)
class MulinUserAdmin(PlatformModelAdmin, UserAdmin):
    list_display = ["username", "first_name", "phone", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "elder_mode", "language"]
    search_fields = ["username", "first_name", "last_name", "phone"]
    raw_id_fields = ["person"]
    inlines = [RoleGrantInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "phone", "person"]}),
        (_("Preferences"), {"fields": ["language", "elder_mode"]}),
        (
            _("Access"),
            {"fields": ["is_active", "is_staff", "is_superuser", "must_change_password"]},
        ),
        (_("Sign-in"), {"fields": ["last_login", "date_joined", "failed_logins", "locked_until"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "phone", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined", "failed_logins"]


@admin.register(RoleGrant)
class RoleGrantAdmin(PlatformModelAdmin):
    list_display = ["user", "role", "scope", "scope_object", "starts_at", "ends_at"]
    list_filter = ["role", "scope"]
    search_fields = ["user__username", "user__first_name", "user__phone"]
    raw_id_fields = [
        "user",
        "subdistrict",
        "community",
        "compound",
        "building",
        "organisation",
        "granted_by",
    ]
    list_select_related = [
        "user",
        "subdistrict",
        "community",
        "compound",
        "building",
        "organisation",
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "hint", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__username", "name"]
    list_select_related = ["user"]
    exclude = ["key_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_repr", "compound"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "target_id", "request_id"]
    list_select_related = ["actor", "compound"]
    date_hierarchy = "created_at"


@admin.register(BindingRequest)
class BindingRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "unit", "relation", "status", "decided_by", "decided_at"]
    list_filter = ["status", "relation"]
    search_fields = ["user__username", "name", "unit__code"]
    list_select_related = ["user", "unit", "decided_by"]
