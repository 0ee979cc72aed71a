"""Open311 GeoReport v2 at `/open311/v2/` (http://wiki.open311.org/GeoReport_v2), in JSON and XML.

- A jurisdiction is a compound (`jurisdiction_id` = its code); a service is one of its active
  request categories; a service request is a ticket.
- Public reads show only what the public progress board shows (`selectors.public_tickets`):
  category, building number, status and times. Never the unit, the place text, the description,
  photos or any person (DESIGN §6), so no `description`, `address_id` or `media_url` either.
  Compounds carry no coordinates, so `lat`/`long` are left out.
- `POST requests` takes a Mulin API token as `api_key` and submits through
  `services.ticket_submit`, so access, validation, routing, deadlines and the audit trail are the
  same as on the pages.
"""
