"""People in the Django admin — platform admins only, every change audited (see core).

Phones show masked in the lists (PIPL: masked in every list); the encrypted ID number and its
digest never appear — they are written only by the services that validate them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mulin.core.admin import PlatformModelAdmin

from .models import CareTag, Company, Consent, Ownership, Person, Residency, Vehicle


@admin.register(Person)
class PersonAdmin(PlatformModelAdmin):
    list_display = ["name", "compound", "gender", "birth_year", "masked_phone", "deceased_on"]
    list_filter = ["gender"]
    search_fields = ["name", "name_pinyin", "name_initials", "phone_tail"]
    exclude = ["id_number_encrypted", "id_number_digest"]
    readonly_fields = ["id_number_masked"]
    raw_id_fields = ["compound"]
    list_select_related = ["compound"]

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Person) -> str:
        return obj.masked_phone


@admin.register(Ownership)
class OwnershipAdmin(PlatformModelAdmin):
    list_display = ["unit", "person", "company", "share", "started_on", "date_kind", "ended_on"]
    list_filter = ["date_kind"]
    search_fields = ["unit__code", "person__name", "person__name_pinyin", "company__name"]
    raw_id_fields = ["unit", "person", "company"]
    list_select_related = ["unit", "person", "company"]


@admin.register(Residency)
class ResidencyAdmin(PlatformModelAdmin):
    list_display = ["unit", "person", "relation", "is_head", "moved_in_on", "moved_out_on"]
    list_filter = ["relation", "is_head"]
    search_fields = ["unit__code", "person__name", "person__name_pinyin"]
    raw_id_fields = ["unit", "person"]
    list_select_related = ["unit", "person"]


@admin.register(Vehicle)
class VehicleAdmin(PlatformModelAdmin):
    list_display = ["plate", "compound", "energy", "person", "unit", "removed_on"]
    list_filter = ["energy"]
    search_fields = ["plate", "compound__code"]
    raw_id_fields = ["compound", "person", "unit"]
    list_select_related = ["compound", "person", "unit"]


@admin.register(CareTag)
class CareTagAdmin(PlatformModelAdmin):
    list_display = ["person", "kind", "started_on", "ended_on"]
    list_filter = ["kind"]
    search_fields = ["person__name", "person__name_pinyin"]
    raw_id_fields = ["person"]
    list_select_related = ["person"]


@admin.register(Consent)
class ConsentAdmin(PlatformModelAdmin):
    list_display = ["person", "purpose", "method", "granted_at", "withdrawn_at", "recorded_by"]
    list_filter = ["purpose", "method"]
    search_fields = ["person__name", "person__name_pinyin"]
    raw_id_fields = ["person", "recorded_by"]
    list_select_related = ["person", "recorded_by"]


@admin.register(Company)
class CompanyAdmin(PlatformModelAdmin):
    list_display = ["name", "compound", "is_developer", "credit_code"]
    list_filter = ["is_developer"]
    search_fields = ["name", "credit_code", "compound__code"]
    raw_id_fields = ["compound"]
    list_select_related = ["compound"]
