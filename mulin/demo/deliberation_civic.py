"""The demo's deliberation: civic."""


def ensure(code: str) -> None:
    """Build this part for the demo compound `code` unless it is there already."""


def remove(compounds) -> None:
    """Delete this part's records in `compounds`."""
