"""Places in the Django admin — platform admins only, every change audited (see core).

Lists join what they show (`list_select_related`) and pick related rows by id
(`raw_id_fields`), so a district of 200,000 units never renders a 200,000-option select."""

from django.contrib import admin

from mulin.core.admin import PlatformModelAdmin

from .models import (
    Building,
    Community,
    Compound,
    District,
    Entrance,
    ParkingSpace,
    Subdistrict,
    Unit,
)


@admin.register(District)
class DistrictAdmin(PlatformModelAdmin):
    list_display = ["name", "code", "province", "city"]
    search_fields = ["name", "code"]


@admin.register(Subdistrict)
class SubdistrictAdmin(PlatformModelAdmin):
    list_display = ["name", "code", "district"]
    list_filter = ["district"]
    search_fields = ["name", "code"]
    raw_id_fields = ["district"]
    list_select_related = ["district"]


@admin.register(Community)
class CommunityAdmin(PlatformModelAdmin):
    list_display = ["name", "code", "subdistrict", "phone"]
    search_fields = ["name", "code"]
    raw_id_fields = ["subdistrict"]
    list_select_related = ["subdistrict"]


@admin.register(Compound)
class CompoundAdmin(PlatformModelAdmin):
    list_display = [
        "name",
        "code",
        "community",
        "delivered_year",
        "city_rule_set",
        "parking_counts_as_units",
    ]
    list_filter = ["city_rule_set", "parking_counts_as_units"]
    search_fields = ["name", "code"]
    raw_id_fields = ["community"]
    list_select_related = ["community"]


@admin.register(Building)
class BuildingAdmin(PlatformModelAdmin):
    list_display = ["__str__", "name", "compound", "floors", "has_lift", "year_built"]
    search_fields = ["number", "name", "compound__name", "compound__code"]
    raw_id_fields = ["compound"]
    list_select_related = ["compound"]


@admin.register(Entrance)
class EntranceAdmin(PlatformModelAdmin):
    list_display = ["__str__", "building", "compound_name"]
    search_fields = ["building__compound__code", "building__number"]
    raw_id_fields = ["building"]
    list_select_related = ["building__compound"]

    @admin.display(description=Compound._meta.verbose_name, ordering="building__compound__name")
    def compound_name(self, obj: Entrance) -> str:
        return obj.building.compound.name


@admin.register(Unit)
class UnitAdmin(PlatformModelAdmin):
    list_display = ["code", "compound", "use", "area", "area_source", "status"]
    list_filter = ["use", "status", "area_source"]
    search_fields = ["code", "compound__code", "compound__name"]
    raw_id_fields = ["compound", "building", "entrance"]
    list_select_related = ["compound"]


@admin.register(ParkingSpace)
class ParkingSpaceAdmin(PlatformModelAdmin):
    list_display = ["number", "compound", "kind", "area", "counts_as_unit", "note"]
    list_filter = ["kind", "counts_as_unit"]
    search_fields = ["number", "compound__code", "compound__name"]
    raw_id_fields = ["compound"]
    list_select_related = ["compound"]
