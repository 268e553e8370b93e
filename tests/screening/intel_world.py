"""Intelligence rows for tests that need them made quickly (the API's access matrix, schemathesis): an extra
keyword, a reported seller and an uploaded counterfeit picture written as the services leave them, with fresh
words, phone numbers and bytes."""

import itertools
import uuid

from portal.identity import identity_hash
from screening.core.normalise import plain
from screening.intel.models import ExtraKeyword, ReportedSeller, ReportedSellerIdentity
from screening.models import CounterfeitImage, CounterfeitSource

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


def counterfeit_uploaded(holder, **fields):
    """An uploaded counterfeit picture row (its file is not read by the API: a name is enough)."""
    name = f"counterfeit/{uuid.uuid4().hex}.png"
    return CounterfeitImage.objects.create(
        rights_holder=holder,
        source=CounterfeitSource.HOLDER_UPLOAD,
        file=name,
        image_name=name,
        original_name="fake.png",
        content_type="image/png",
        size=100,
        content_hash=uuid.uuid4().hex * 2,
        **fields,
    )
