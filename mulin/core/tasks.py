"""Celery tasks of the core app. Tasks stay thin: they call services or the periodic runner."""

from celery import shared_task

from . import periodic


@shared_task(name="core.tick")
def tick() -> dict[str, str]:
    """Run due periodic jobs; beat sends this every minute."""
    return periodic.run_due()


@shared_task(name="core.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check used by the health tests and operators (`celery call core.ping`)."""
    return value


@shared_task(name="core.deliver_notifications")
def deliver_notifications(delivery_ids: list[int]) -> dict[str, str]:
    """Send queued notification deliveries; returns each id's final status."""
    from . import notifications

    outcome = {}
    for delivery_id in delivery_ids:
        delivery = notifications.deliver(delivery_id)
        outcome[str(delivery_id)] = delivery.status if delivery else "not pending"
    return outcome
