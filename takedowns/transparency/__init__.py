"""Statements of reasons in the submission format of the EU DSA Transparency Database (DSA article 24(5)).

Where the format comes from (nothing here is guessed; each list names its source):

* API documentation, https://transparency.dsa.ec.europa.eu/page/api-documentation and, for the schema in
  force since 1 July 2025 (API v2), https://transparency.dsa.ec.europa.eu/page/api-documentation-two
  (announced at https://transparency.dsa.ec.europa.eu/page/migration-to-api-v-two). Their source is
  github.com/digital-services-act/transparency-database, ``resources/markdown/api-documentation-two.md``:
  the fields, which are required and when, the length limits, the date format ``YYYY-MM-DD``, the PUID
  rule, and the multiple endpoint taking ``{"statements": [...]}`` (at most 100 per call).
* The documentation renders most value lists from the constants of ``app/Models/Statement.php`` in that
  repository (DECISION_VISIBILITIES, DECISION_MONETARIES, DECISION_PROVISIONS, DECISION_ACCOUNTS,
  ACCOUNT_TYPES, DECISION_GROUNDS, CONTENT_TYPES, SOURCE_TYPES, AUTOMATED_DETECTIONS,
  AUTOMATED_DECISIONS); the v2 page lists the categories and keywords (category_specification) itself.
* The server-side validation of the multiple endpoint, ``app/Services/GroupedSubmissionsService.php``
  (``multi_rules``): ``puid`` matches ``^[a-zA-Z0-9-_]+$`` and is at most 500 characters; content_date
  from 2000-01-01, application_date from 2020-01-01, every date up to 2038-01-01.
* Territorial scope codes: ``app/Services/EuropeanCountriesService.php`` (EU plus IS, LI, NO).

What the stored documentation leaves open: ``territorial_scope`` is "required" on the page but nullable in
the validation (we always send it); ``content_language`` is optional and we have no language for a
listing, so we leave it out; ``source_identity`` is optional and would name the notifier, so we leave it
out.

No personal data (DSA article 24(5)). The export never reads a name, address, phone number, e-mail,
username or internal id: the PUID is the statement's random UUID; the legal ground, explanation and facts
are written here from structured fields (infringement type, kind of right, office and registration number
of the right, the restriction and its dates, how the decision was taken), never copied from text that
people typed (the filer's explanation, the reviewer's reasons, the counter-notice, the stored statement's
ground and facts), which can hold names and contact details. As a second line, the typed values that do
reach the export (office, registration number) go through ``scrub_personal_data``, which removes e-mail
addresses, URLs and (except in registration numbers) phone numbers.

The package: ``schema`` holds what the database accepts (its value lists and limits) and checks a
submission against it (``dsa_statement_errors``); ``export`` writes our statements in those terms
(``statement_to_dsa``, ``statements_export``); ``personal_data`` is the scrubber.
"""
