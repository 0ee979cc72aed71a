"""API of deliberation: projects."""

from ninja import Router

router = Router(tags=["deliberation"])
