"""Signed webhooks (the Standard Webhooks specification): subscriptions, events, deliveries.

* ``models``: a subscription per endpoint of an organisation (URL, event types,
  ``whsec_`` secret, active flag); an event per change and organisation told;
  a delivery per event and subscription; an attempt row per HTTP request (the
  delivery log).
* ``types``: the event types a subscription may choose.
* ``fanout``: the engine announces its rows (``portal.events``) in the
  transaction that wrote them; the fan-out turns them into events and
  deliveries with two ``INSERT ... SELECT`` statements, whatever their number,
  and costs one indexed ``EXISTS`` when nobody subscribes.
* ``payloads``: ``{type, timestamp, data}`` with public ids, rendered once.
* ``signing``: secrets and the ``v1,<base64 HMAC-SHA256>`` signature.
* ``secret_storage``: secrets encrypted at rest with ``WEBHOOK_SECRET_KEY``, and the key's rotation.
* ``outbound``: the SSRF guard and the HTTP request itself.
* ``delivery``: claiming a due delivery exactly once, sending it, the retry
  schedule, ``Retry-After``, 410 and the 24-hour disabling.
* ``subscriptions``: the services the API, the pages and the admin call.
* ``admin``: operators' read-only view, with turn off/on and redeliver actions.
"""
