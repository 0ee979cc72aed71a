from django.contrib import admin

from mulin.core.admin import PlatformModelAdmin

from .models import (
    Category,
    Deadline,
    Follower,
    FollowUp,
    Rating,
    RoutingRule,
    Ticket,
    TicketEvent,
    TicketPhoto,
)


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


@admin.register(TicketPhoto)
class TicketPhotoAdmin(PlatformModelAdmin):
    list_display = ["ticket", "stage", "width", "height", "size_bytes", "created_at"]
    list_filter = ["stage"]
    raw_id_fields = ["ticket", "event", "uploaded_by"]


@admin.register(Follower)
class FollowerAdmin(PlatformModelAdmin):
    list_display = ["ticket", "user", "created_at"]
    raw_id_fields = ["ticket", "user"]


@admin.register(FollowUp)
class FollowUpAdmin(PlatformModelAdmin):
    list_display = ["ticket", "reason", "status", "satisfaction", "done_at"]
    list_filter = ["status", "reason", "satisfaction"]
    raw_id_fields = ["ticket", "done_by"]
