"""Shared fixtures of the topic tests (imported by the other test_topics_* modules)."""

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mulin.core.models import Role, User
from mulin.deliberation import services_topics as services
from mulin.deliberation.models import Topic, TopicCategory
from mulin.people.models import Person
from mulin.testing import factories as f


def jpeg(name: str = "p.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@dataclass
class Cast:
    housemate: User  # lives in world.unit too (same household as world.resident)
    neighbour: User  # lives in world.neighbour_unit
    neighbour_person: Person
    committee: User  # owners' committee member of world.compound: deliberation.manage
    property_manager: User  # deliberation.view only
    property_staff: User  # no deliberation permission


@pytest.fixture(name="cast")
def cast_fixture(world) -> Cast:
    mate = f.PersonFactory(compound=world.compound, name="张小三", phone="13800000001")
    f.ResidencyFactory(unit=world.unit, person=mate, relation="child")
    housemate = f.UserFactory(username="housemate", person=mate)
    neighbour_person = f.PersonFactory(compound=world.compound, name="李四", phone="13900001111")
    f.ResidencyFactory(unit=world.neighbour_unit, person=neighbour_person, relation="tenant")
    neighbour = f.UserFactory(username="neighbour", person=neighbour_person)
    committee = f.UserFactory(username="committee")
    f.grant(committee, Role.COMMITTEE_MEMBER, world.compound)
    manager = f.UserFactory(username="pm")
    f.grant(manager, Role.PROPERTY_MANAGER, world.compound)
    property_staff = f.UserFactory(username="ps")
    f.grant(property_staff, Role.PROPERTY_STAFF, world.compound)
    return Cast(housemate, neighbour, neighbour_person, committee, manager, property_staff)


def raise_topic(world, title: str = "快递柜堵在大门口", **kw) -> Topic:
    args = {
        "actor": world.resident,
        "compound": world.compound,
        "title": title,
        "description": "进出不安全，老人孩子要绕行。",
        "category": TopicCategory.SAFETY,
        "buildings": [world.unit.building],
    }
    args.update(kw)
    return services.topic_raise(**args)
