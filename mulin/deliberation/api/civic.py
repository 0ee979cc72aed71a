"""API of deliberation: civic."""

from ninja import Router

router = Router(tags=["deliberation"])
