"""Organisations in the Django admin — platform admins only, every change audited (see core).

No inlines: rows saved through an inline formset would bypass the audited `save_model`."""

from django.contrib import admin

from mulin.core.admin import PlatformModelAdmin

from .models import DutyShift, Membership, Organisation, PartyMembership, ResponsibilityArea


@admin.register(Organisation)
class OrganisationAdmin(PlatformModelAdmin):
    list_display = ["name", "kind", "community", "compound", "parent", "dissolved_on"]
    list_filter = ["kind", "community"]
    search_fields = ["name"]
    raw_id_fields = ["parent", "community", "compound"]
    list_select_related = ["community", "compound", "parent"]


@admin.register(Membership)
class MembershipAdmin(PlatformModelAdmin):
    list_display = ["person", "role", "organisation", "portfolio", "term_start", "term_end"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["person__name", "person__name_pinyin", "organisation__name"]
    raw_id_fields = ["organisation", "person"]
    list_select_related = ["person", "organisation"]


@admin.register(PartyMembership)
class PartyMembershipAdmin(PlatformModelAdmin):
    list_display = ["person", "status", "organisation", "home_organisation", "joined_on", "left_on"]
    list_filter = ["status"]
    search_fields = ["person__name", "person__name_pinyin", "organisation__name"]
    raw_id_fields = ["organisation", "person"]
    list_select_related = ["person", "organisation"]


@admin.register(ResponsibilityArea)
class ResponsibilityAreaAdmin(PlatformModelAdmin):
    list_display = ["membership", "building", "entrance", "unit"]
    search_fields = ["membership__person__name", "unit__code"]
    raw_id_fields = ["membership", "building", "entrance", "unit"]
    list_select_related = [
        "membership__person",
        "membership__organisation",
        "building",
        "entrance",
        "unit",
    ]


@admin.register(DutyShift)
class DutyShiftAdmin(PlatformModelAdmin):
    list_display = ["person", "organisation", "starts_at", "ends_at", "phone"]
    list_filter = ["organisation__kind"]
    search_fields = ["person__name", "organisation__name", "phone"]
    raw_id_fields = ["organisation", "person"]
    list_select_related = ["person", "organisation"]
    date_hierarchy = "starts_at"
