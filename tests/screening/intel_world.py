"""Intelligence rows for tests that need them made quickly (the API's access matrix, schemathesis): an extra
keyword and a reported seller written as the services leave them, with fresh words and phone numbers."""

import itertools
import uuid

from portal.identity import identity_hash
from screening.core.normalise import plain
from screening.intel.models import ExtraKeyword, ReportedSeller, ReportedSellerIdentity

_PHONES = itertools.count(1000)


def new_keyword():
    return f"kw{uuid.uuid4().hex[:10]}"


def new_phone():
    return f"+31 20 555 {next(_PHONES):04d}"


def keyword_made(asset, text=None, **fields):
    text = text or new_keyword()
    return ExtraKeyword.objects.create(asset=asset, text=text, plain=plain(text), **fields)


def seller_reported(holder, phone=None, **fields):
    phone = phone or new_phone()
    report = ReportedSeller.objects.create(rights_holder=holder, **fields)
    ReportedSellerIdentity.objects.create(
        report=report, rights_holder=holder, kind="phone", identity_hash=identity_hash(phone), last4=phone[-4:]
    )
    return report
