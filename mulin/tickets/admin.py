from django.contrib import admin

from mulin.core.admin import PlatformModelAdmin

from .models import Category, Deadline, Rating, RoutingRule, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(PlatformModelAdmin):
    list_display = ["name", "code", "compound", "organisation", "chargeable", "active"]
    list_filter = ["active", "chargeable"]
    search_fields = ["name", "code"]
    raw_id_fields = ["compound", "organisation"]


@admin.register(Deadline)
class DeadlineAdmin(PlatformModelAdmin):
    list_display = ["category", "priority", "respond_minutes", "resolve_minutes"]
    list_filter = ["priority"]
    raw_id_fields = ["category"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(PlatformModelAdmin):
    list_display = ["compound", "category", "organisation"]
    raw_id_fields = ["compound", "category", "organisation"]


@admin.register(Ticket)
class TicketAdmin(PlatformModelAdmin):
    list_display = ["id", "compound", "category", "priority", "status", "channel", "created_at"]
    list_filter = ["status", "priority", "channel"]
    raw_id_fields = [
        "compound",
        "category",
        "requester",
        "submitted_by",
        "on_behalf_of",
        "unit",
        "building",
        "organisation",
        "assignee",
        "duplicate_of",
    ]


@admin.register(TicketEvent)
class TicketEventAdmin(PlatformModelAdmin):
    list_display = ["ticket", "kind", "action", "from_status", "to_status", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["ticket", "actor"]


@admin.register(Rating)
class RatingAdmin(PlatformModelAdmin):
    list_display = ["ticket", "overall", "speed", "attitude", "created_at"]
    raw_id_fields = ["ticket", "rated_by"]
