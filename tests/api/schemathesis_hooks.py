"""Hooks of the schemathesis run (``tests/api/test_schemathesis.py``), loaded by schemathesis in its own process.

The examples phase sends the documented requests (``api.examples``) as a partner sends them: each with an
``Idempotency-Key`` of its own. Filled in by generation, the examples of one operation would share a key,
and every one after the first would be a 422 (a key reused for another request) instead of its own answer.
The fuzzing phase keeps what it generates: keys reused, malformed or odd are its to try.
"""

import uuid

import schemathesis

HEADER = "Idempotency-Key"


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    if meta is not None and meta.phase.name == "examples" and case.headers and HEADER in case.headers:
        case.headers[HEADER] = str(uuid.uuid4())
