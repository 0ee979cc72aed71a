import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from mulin.core import audit
from mulin.core.models import AuditEvent


def _chain(world, n=3):
    for i in range(n):
        with transaction.atomic():
            audit.record(
                actor=world.staff,
                action="test.payment",
                target=world.unit,
                changes={"amount": f"{i}.00"},
                chain="payments",
            )


def test_intact_chain_verifies(world, capsys):
    _chain(world)
    call_command("audit", "verify")
    assert "3 chained audit events verified" in capsys.readouterr().out


def test_edited_event_is_detected(world):
    _chain(world)
    event = AuditEvent.objects.filter(chain="payments").order_by("id")[1]
    AuditEvent.objects.filter(pk=event.pk).update(changes={"amount": "999.00"})
    assert any("changed after it was written" in p for p in audit.verify_chains())
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_deleted_event_is_detected(world):
    _chain(world)
    AuditEvent.objects.filter(chain="payments").order_by("id")[1].delete()
    assert any("does not follow" in p for p in audit.verify_chains())


def test_record_keeps_request_id_and_ip(world):
    token = audit.current_request.set({"request_id": "abc123", "ip": "10.1.2.3"})
    try:
        event = audit.record(
            actor=world.staff,
            action="unit.touch",
            target=world.unit,
            on_behalf_of=world.resident_person,
        )
    finally:
        audit.current_request.reset(token)
    assert (event.request_id, event.ip, event.on_behalf_of, event.compound_id) == (
        "abc123",
        "10.1.2.3",
        world.resident_person,
        world.compound.id,
    )
