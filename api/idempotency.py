"""``Idempotency-Key`` on the API's POSTs (IETF draft-ietf-httpapi-idempotency-key-header): safe retries.

HOW AN API CLASS USES IT (every POST of the API must; a test walks the URLs and fails otherwise)
----------------------------------------------------------------------------------------------
::

    from api.idempotency import Idempotent

    class NoticeCreateApi(Idempotent, APIView):     # Idempotent first, before APIView / generics
        idempotency = "required"   # creates notices or ingests listings: 400 without the header
        # idempotency = "optional" # every other POST: honoured when sent, ignored when absent
        required_scopes = {"POST": "notices:write"}

        def post(self, request):   # unchanged: validate, call the service, return a DRF Response
            ...

- The services the handler calls open their transaction with ``portal.transactions.durable_atomic()``
  (never ``transaction.atomic(durable=True)``): inside an idempotent request they join its transaction,
  so the work and the recorded response commit together. A verb still on ``atomic(durable=True)``
  fails with "A durable atomic block cannot be nested" the first time its endpoint is called with a key.
- Side effects (e-mail, webhooks, tasks) go through ``transaction.on_commit`` as everywhere: an attempt
  that rolls back sends nothing, and a replay does not run the handler at all.
- Return a DRF ``Response`` (JSON). Its status, body and the headers in ``REPLAYED_HEADERS`` (Location,
  ETag, ...) are what a retry gets back, with ``Idempotent-Replayed: true`` added.
- The OpenAPI schema documents the header (required or optional) from the flag; nothing to add.
- Tests: ``key_client`` (tests/api/conftest.py, a ``PartnerClient``) sends a new key on every POST;
  pass ``HTTP_IDEMPOTENCY_KEY="k1"`` twice for a retry, or ``HTTP_IDEMPOTENCY_KEY=None`` to send none.
  A Django ``client`` (session) sends none unless told.

WHAT A CLIENT GETS (README "Idempotency-Key" says the same to partners)
----------------------------------------------------------------------
- The key is scoped to the caller: an API key (each key is its own principal), or the signed-in user.
  It is 1 to 255 visible ASCII characters, sent bare (``Idempotency-Key: 5b0c...``) or as the draft's
  structured-field string (``Idempotency-Key: "5b0c..."``); a UUID per operation is the advice.
- Same key, same request (method, path with query, and body as parsed: JSON key order and multipart
  boundaries do not matter) after the first finished: the first response again, nothing done anew.
- Same key, different request: 422. Same key while the first is still running: 409 with Retry-After.
- A POST that creates notices or ingests listings without the header: 400.
- What is kept: the outcome of the operation, success or error, as the draft says ("the result of the
  previously completed operation, success or an error"): 2xx and 4xx. A 4xx is the operation's
  answer to that body: correct the request and send it under a new key. Not kept: 5xx and the
  "try again later" statuses (408, 425, 429): the attempt is rolled back and its claim released, so a
  retry with the same key runs afresh. Errors before the operation starts (401, 403, 429 from
  authentication, scopes and throttling; a malformed body or header) claim nothing.
- Records are kept ``API_IDEMPOTENCY_KEEP_HOURS`` (24) from the first request; beat purges them hourly.

HOW ONE CLAIM STOPS TWO RUNS (PostgreSQL and SQLite alike)
----------------------------------------------------------
1. Look the key up (a plain read). Finished: replay, or 422 for another request. Claimed and
   younger than ``API_IDEMPOTENCY_CLAIM_SECONDS``: 409 at once, without waiting on any lock.
2. Otherwise claim it: insert the row (unique on caller and key) in a transaction of its own, committed
   at once. Committed, the claim is visible to every other request, so a concurrent retry reads it in
   step 1 and answers 409 instead of waiting on the row's unique index (PostgreSQL) or on the database
   write lock (SQLite, whose transactions take it at BEGIN). Of two inserts racing, the unique
   constraint lets one win; the other reads the winner's claim.
3. The request's transaction (``portal.transactions.request_transaction``) locks the claim row, checks
   that the claim is still this attempt's, runs the operation and writes the response into the row, and
   commits all of it at once. The work and its record cannot part: if the process dies, both roll back,
   and the claim row left behind says "claimed" with nothing done.
4. Such an abandoned claim is taken over by a retry once it is older than the claim period: on
   PostgreSQL only if its row lock is free (``NOWAIT``; a live attempt holds it, and the retry gets
   409), on SQLite after the writer lock (a live attempt holds that until it commits). The take-over
   writes a new attempt id, so the old attempt, should it resume, sees the claim is no longer its own.
5. An error raised by the operation rolls its work back; a 4xx is then recorded in a transaction of its
   own (nothing was done, so nothing must commit with it), a 5xx or a bug deletes the claim.
"""

import functools
import hashlib
import json
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import IdempotencyRecord
from api.problems import problem_response
from portal.transactions import request_transaction

HEADER = "Idempotency-Key"
REQUIRED = "required"
OPTIONAL = "optional"
MODES = (REQUIRED, OPTIONAL)
MAX_KEY_LENGTH = 255
# Headers of the first response a replay carries again (Content-Type is kept on its own).
REPLAYED_HEADERS = ("Location", "Content-Location", "ETag", "Last-Modified", "Link")
REPLAYED_MARK = "Idempotent-Replayed"
# 4xx answers that mean "try again later", not "this is the outcome": never kept.
_RETRY_LATER = frozenset({408, 425, 429})

# Visible ASCII except the quote, the comma (it would hide a second header) and the backslash.
_BARE = re.compile(r"[!#-+\--\[\]-~]{1,255}")
# RFC 8941 sf-string: printable ASCII inside quotes, with \" and \\ escaped.
_SF_STRING = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
# The form the schema publishes (bare, or quoted without escapes).
SCHEMA_PATTERN = r'^(?:[!#-+\--\[\]-~]{1,255}|"[ !#-\[\]-~]{1,255}")$'


class Idempotent:
    """Mixin for an APIView (or generic view) with a ``post``: ``idempotency = "required"`` or ``"optional"``.

    Not for ViewSets: their actions are bound per instance, past this wrapping (the API uses
    one APIView per operation anyway, and the URL walk in the tests refuses a ViewSet's POST).
    """

    idempotency = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        post = getattr(cls, "post", None)  # its own, or inherited (a generic CreateAPIView's)
        if post is None:
            return  # a base for other API classes: they declare the mode
        if cls.idempotency not in MODES:
            raise TypeError(f"{cls.__name__}: set idempotency = {REQUIRED!r} or {OPTIONAL!r}.")
        if not getattr(post, "_idempotent", False):
            cls.post = _idempotent_handler(post)


def _idempotent_handler(handler):
    @functools.wraps(handler)  # keeps drf-spectacular's @extend_schema annotations
    def post(self, request, *args, **kwargs):
        if getattr(request, "_idempotency_handled", False):  # a subclass's post calling super().post()
            return handler(self, request, *args, **kwargs)
        request._idempotency_handled = True
        return _handle(self, request, lambda: handler(self, request, *args, **kwargs))

    post._idempotent = True
    return post


def idempotency_key_parse(raw):
    """The key a header value carries, or None when it is malformed."""
    raw = raw.strip()
    if raw.startswith('"'):
        match = _SF_STRING.fullmatch(raw)
        if match is None:
            return None
        key = re.sub(r"\\(.)", r"\1", match.group(1))
        return key if 0 < len(key) <= MAX_KEY_LENGTH else None
    return raw if _BARE.fullmatch(raw) else None


def _handle(view, request, run):
    raw = request.headers.get(HEADER)
    if raw is None:
        if view.idempotency == REQUIRED:
            return _problem(
                request,
                400,
                "idempotency_key_missing",
                f"This operation needs an {HEADER} header: a new unique value (a UUID) for each operation, "
                "sent again unchanged when the same request is retried, so a retry never does the work twice.",
            )
        return run()
    key = idempotency_key_parse(raw)
    if key is None:
        return _problem(
            request,
            400,
            "idempotency_key_invalid",
            f"The {HEADER} header must be one value of 1 to {MAX_KEY_LENGTH} visible ASCII characters, "
            "bare or in double quotes (a UUID is best), without commas or backslashes outside quotes.",
        )
    if not request.user.is_authenticated:  # nobody to scope the key to (the API's views refuse them anyway)
        return run()
    fingerprint = request_fingerprint(request)  # may raise ParseError: a bad body claims nothing
    record, taking_over, answer = _claim(request, key, fingerprint)
    if answer is not None:
        return answer
    return _run(view, request, run, record, taking_over)


def request_fingerprint(request):
    """SHA-256 of the method, the path with its query, and the body as parsed (order-free JSON, files by content)."""
    data = request.data
    # Form or multipart: a QueryDict of lists, the files among them. JSON: as parsed.
    body = {name: [_part(v) for v in values] for name, values in data.lists()} if hasattr(data, "lists") else data
    canonical = json.dumps(
        [request.method, request.get_full_path(), body],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _part(value):
    if not isinstance(value, UploadedFile):
        return value
    digest = hashlib.sha256()
    for chunk in value.chunks():
        digest.update(chunk)
    value.seek(0)
    return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}


# --- claiming ---------------------------------------------------------------------------------


def _claim(request, key, fingerprint):
    """(record, taking_over, None) when this request may run; (None, False, answer) when it gets ``answer``."""
    now = timezone.now()
    for _ in range(3):
        record = IdempotencyRecord.objects.filter(user=request.user, key=key, expires_at__gt=now).first()
        if record is not None:
            answer = _answer_for_existing(request, record, fingerprint, now)
            return (None, False, answer) if answer is not None else (record, True, None)
        try:
            with transaction.atomic():
                # An expired record of the same key may linger until the purge: the key is free again.
                IdempotencyRecord.objects.filter(user=request.user, key=key, expires_at__lte=now).delete()
                record = IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    method=request.method,
                    path=request.get_full_path()[:2048],
                    attempt=uuid.uuid4(),
                    claimed_at=now,
                    expires_at=now + timedelta(hours=settings.API_IDEMPOTENCY_KEEP_HOURS),
                )
            return record, False, None
        except IntegrityError:
            continue  # another request claimed it a moment ago: read its claim
    return None, False, _in_progress(request)


def _answer_for_existing(request, record, fingerprint, now):
    """The answer to a request whose key is already recorded, or None when its abandoned claim may be taken over."""
    if record.fingerprint != fingerprint:
        return _problem(
            request,
            422,
            "idempotency_key_reused",
            f"This {HEADER} was already used for a different request ({record.method} {record.path} with "
            "another body). Use a new key for a new operation.",
        )
    if record.completed_at is not None:
        return _replay(record)
    if record.claimed_at > now - timedelta(seconds=settings.API_IDEMPOTENCY_CLAIM_SECONDS):
        return _in_progress(request)
    return None


def _run(view, request, run, record, taking_over):
    """Run the operation in the request's transaction, with the claim locked; record its outcome."""
    claimed = (record.attempt, record.claimed_at)  # as committed: what a rolled-back take-over leaves
    try:
        with request_transaction():
            if not _lock_claim(record, taking_over):
                raise _ClaimLost
            response = run()
            keep = _keeps(response.status_code)
            if keep:
                _record(record, response)
            else:
                transaction.set_rollback(True)
    except _ClaimLost:
        return _after_lost_claim(request, record)
    except Exception as exc:
        record.attempt, record.claimed_at = claimed
        # The operation raised and its work is rolled back: the problem the error maps to is its outcome.
        try:
            response = view.handle_exception(exc)
        except BaseException:
            _release(record)
            raise
        if not _keeps(response.status_code):
            _release(record)
            return response
        with transaction.atomic():
            if _lock_claim(record, taking_over):
                _record(record, response)
        return response
    if not keep:
        record.attempt, record.claimed_at = claimed
        _release(record)
    return response


class _ClaimLost(Exception):
    """Another attempt owns the claim now (it took it over, or a live attempt holds its row lock)."""


def _lock_claim(record, taking_over):
    """Lock the claim row in the current transaction; True when this attempt owns it (after taking it over if so)."""
    rows = IdempotencyRecord.objects.filter(pk=record.pk)
    try:
        # A take-over must not wait on a live attempt: NOWAIT turns its row lock into a 409 (PostgreSQL;
        # SQLite has no row locks, and its writer lock already waited for any live attempt to commit).
        # In a savepoint, so the refused lock leaves the transaction usable.
        with transaction.atomic():
            current = rows.select_for_update(nowait=taking_over).first()
    except DatabaseError:
        return False
    if current is None or current.completed_at is not None:
        return False
    if not taking_over:
        return current.attempt == record.attempt
    stale = timezone.now() - timedelta(seconds=settings.API_IDEMPOTENCY_CLAIM_SECONDS)
    if current.attempt != record.attempt or current.claimed_at > stale:
        return False  # another retry took it over first
    record.attempt, record.claimed_at = uuid.uuid4(), timezone.now()
    rows.update(attempt=record.attempt, claimed_at=record.claimed_at)
    return True


def _keeps(status_code):
    return status_code < 500 and status_code not in _RETRY_LATER


def _record(record, response):
    if not isinstance(response, Response):
        raise TypeError(f"An idempotent API operation must return a DRF Response, not {type(response).__name__}.")
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    if response.content_type:
        headers["Content-Type"] = response.content_type
    body = "" if response.data is None else JSONRenderer().render(response.data).decode()
    IdempotencyRecord.objects.filter(pk=record.pk, attempt=record.attempt).update(
        completed_at=timezone.now(),
        response_status=response.status_code,
        response_headers=headers,
        response_body=body,
    )


def _release(record):
    """Delete this attempt's claim (nothing of it survived), so a retry with the same key runs afresh."""
    IdempotencyRecord.objects.filter(pk=record.pk, attempt=record.attempt, completed_at__isnull=True).delete()


def _after_lost_claim(request, record):
    current = IdempotencyRecord.objects.filter(pk=record.pk).first()
    if current is not None and current.completed_at is not None:
        return _replay(current)
    return _in_progress(request)


# --- answers ------------------------------------------------------------------------------------


def _replay(record):
    headers = dict(record.response_headers)
    content_type = headers.pop("Content-Type", None)
    headers[REPLAYED_MARK] = "true"
    data = json.loads(record.response_body) if record.response_body else None
    return Response(data, status=record.response_status, headers=headers, content_type=content_type)


def _in_progress(request):
    return _problem(
        request,
        409,
        "idempotency_key_in_use",
        f"A request with this {HEADER} is still being processed. Retry it unchanged in a moment to get its response.",
        headers={"Retry-After": "1"},
    )


def _problem(request, status_code, code, detail, headers=None):
    return problem_response(status_code=status_code, code=code, detail=detail, request=request, headers=headers)
