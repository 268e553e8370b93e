"""The example requests the API's documentation shows: one small world whose ids fit together.

Northwind Athletics (``RIGHTS_HOLDER``) protects its trademark ``ASSET``; a store
(``STORE``) sells ``LISTING`` (with its image ``LISTING_IMAGE``) and others. The brand's notice ``NOTICE`` holds an
item at each step a move needs: one waiting for a reviewer (withdraw it), one
waiting for the merchant (counter-notice it), one the merchant counter-noticed
(reply), one rejected (appeal). ``WEBHOOK`` is the brand's subscription, with the
delivery of ``EVENT``; ``WEBHOOK_TO_DELETE`` another one. Screening raised two open alerts
for the brand: ``ALERT`` (confirm it) and ``ALERT_TO_DISMISS``. The brand told screening an extra
keyword of ``ASSET`` (``KEYWORD``), reported a seller (``REPORTED_SELLER``) and uploaded a counterfeit's
picture (``COUNTERFEIT_IMAGE``).

Every write operation of the API documents a request that works (``EXAMPLES``,
added to the schema by ``examples_hook``), and the detail pages the ids to read. The
schemathesis run (``tests/api/test_schemathesis.py``) builds this very world with
these ids and sends the examples first: each documented example is checked to
succeed against a live server, and every write is reached on its success path.
"""

from drf_spectacular.drainage import warn

RIGHTS_HOLDER = "rhd_01JHMMRQE0FFRRG8YS4WF4RJ8N"
ASSET = "ast_01JHMMTK08ES78DR5E8DF2JBXY"
STORE = "sto_01JHMMWEJGF4V81NRSGQR858K9"
LISTING = "lst_01JHMMYA4RFW9SZH7YPERN9MGF"
LISTING_EXTERNAL_ID = "MKT-100234"
LISTING_IMAGE = "img_01JHJ42Y80FTTRWTCN7KGF382A"
NOTICE = "ntc_01JHMN05Q0FPHAFMGY067P9BHK"
ITEM_PENDING_REVIEW = "itm_01JHMN2198E39TB1A28S64VWAX"
ITEM_AWAITING_COUNTER_NOTICE = "itm_01JHMN3WVGFRFSSCYWJHDTZGX7"
ITEM_COUNTER_NOTICED = "itm_01JHMN5RDREYF8GW5QRDPQ4PBW"
ITEM_REJECTED = "itm_01JHMN7M00EG9VRZMZG6S13X01"
WEBHOOK = "whk_01JHMN9FJ8FX19VGSN8QWWR6DR"
WEBHOOK_TO_DELETE = "whk_01JHMNBB4GER3SA6PBBZV8Q7P1"
EVENT = "evt_01JHMND6PREE3VG2YQ1BG7GK3R"
ALERT = "alr_01JHMNF2A0EWJ3G1S6XQ4T8M2C"
ALERT_TO_DISMISS = "alr_01JHMNGXVGF0K5A9D2R7C3P6WN"
KEYWORD = "kwd_01JHMNK3Q0E6V5T2R8W9X4Y7ZA"
REPORTED_SELLER = "rsl_01JHMNM8D2F7G3H5J6K9N0P1QR"
COUNTERFEIT_IMAGE = "cfi_01JHMNP4S6T8V0W2X4Y6Z8A0B2"

# A subscriber's endpoint: a name under .example (RFC 2606) that resolves nowhere; the schemathesis run
# resolves it to a documentation address (RFC 5737) it lets through.
WEBHOOK_URL = "https://hooks.partner.example/takedowns"

FILER = {
    "filer_name": "Dana Whitfield",
    "filer_address": "Northwind Athletics, 12 Harbour Road, Dublin 2, Ireland",
    "filer_phone": "+353 1 555 0100",
    "filer_email": "brand-protection@northwind.example",
    "signature": "Dana Whitfield",
    "good_faith_statement": True,
    "accuracy_statement": True,
    "authority_statement": True,
}

COUNTER_NOTICE = {
    "statement": "These shoes were bought from Northwind's authorised distributor; the invoice is attached.",
    "contact_name": "Li Wei",
    "contact_address": "88 Market Street, Yiwu, Zhejiang, China",
    "contact_phone": "+86 579 5550 1234",
    "contact_email": "li.wei@store.example",
    "signature": "Li Wei",
    "accuracy_statement": True,
}


def _item(item_id, summary):
    return {"item_id": (item_id, summary)}


def _webhook(webhook_id=WEBHOOK, event=False):
    parameters = {"webhook_id": (webhook_id, "A subscription of the brand's")}
    if event:
        parameters["event_id"] = (EVENT, "An event sent to it")
    return parameters


# {operation id: {"summary": what the example does, "parameters": {path parameter: (value, summary)},
#  "body": {media type: value}}}. A multipart example leaves its file parts out (``proof``,
# ``evidence``, ``images``): a client attaches them as files.
EXAMPLES = {
    "assets_retrieve": {"parameters": {"asset_id": (ASSET, "The brand's trademark")}},
    "assets_create": {
        "summary": "Register a word mark with its registration certificate (attach it as `proof`)",
        "body": {
            "multipart/form-data": {
                "rights_holder": RIGHTS_HOLDER,
                "kind": "trademark",
                "name": "NORTHWIND TRAIL",
                "trademark_type": "word",
                "registration_number": "7123456",
                "office": "USPTO",
                "nice_classes": [25, 28],
                "keywords": ["northwind trail", "nw trail"],
                "reference_price": "129.00",
                "reference_currency": "EUR",
            }
        },
    },
    "listings_retrieve": {"parameters": {"listing_id": (LISTING, "A listing of the store")}},
    "listings_ingest": {
        "summary": "A new listing, and a price change of one the portal has",
        "body": {
            "application/json": {
                "listings": [
                    {
                        "external_id": "MKT-200871",
                        "store": STORE,
                        "title": "Trail running shoe, men's, size 43",
                        "description": "Breathable mesh upper, rock plate.",
                        "category": "shoes",
                        "price": "39.00",
                        "currency": "EUR",
                    },
                    {"external_id": LISTING_EXTERNAL_ID, "action": "update", "price": "35.00"},
                ]
            }
        },
    },
    "listing_images_list": {"parameters": {"listing_id": (LISTING, "A listing of the store")}},
    "listing_images_add": {
        "summary": "Two photos of the listing (attach each as an `images` part)",
        "parameters": {"listing_id": (LISTING, "A listing of the store")},
    },
    "listing_images_remove": {
        "parameters": {
            "listing_id": (LISTING, "A listing of the store"),
            "image_id": (LISTING_IMAGE, "One of its images"),
        }
    },
    "notices_create": {
        "summary": "The brand's notice against one listing",
        "body": {
            "application/json": {
                "rights_holder": RIGHTS_HOLDER,
                **FILER,
                "items": [
                    {
                        "listing": LISTING,
                        "asset": ASSET,
                        "infringement_type": "counterfeit",
                        "explanation": "The NORTHWIND logo is misspelt on the tongue and the price is a third of "
                        "the genuine shoe's.",
                        "test_buy_order_number": "TB-2025-0042",
                    }
                ],
            }
        },
    },
    "notices_retrieve": {"parameters": {"notice_id": (NOTICE, "The brand's notice")}},
    "items_retrieve": {"parameters": _item(ITEM_AWAITING_COUNTER_NOTICE, "An item waiting for the merchant")},
    "items_withdraw": {
        "summary": "The brand withdraws an item waiting for a reviewer",
        "parameters": _item(ITEM_PENDING_REVIEW, "An item waiting for a reviewer"),
        "body": {"application/json": {"reason": "The seller removed the listing and settled with us."}},
    },
    "items_reply": {
        "summary": "The brand answers the merchant's counter-notice",
        "parameters": _item(ITEM_COUNTER_NOTICED, "An item the merchant counter-noticed"),
        "body": {
            "application/json": {
                "statement": "The invoice names a distributor we never appointed; our distributor list is attached "
                "to the notice."
            }
        },
    },
    "items_appeal": {
        "summary": "The brand appeals a rejection",
        "parameters": _item(ITEM_REJECTED, "An item a reviewer rejected"),
        "body": {
            "application/json": {
                "statement": "The listing's photos show our registered logo; the test buy confirmed a counterfeit."
            }
        },
    },
    "items_counter_notice": {
        "summary": "The merchant's counter-notice (attach invoices as `evidence`, repeatable, in multipart)",
        "parameters": _item(ITEM_AWAITING_COUNTER_NOTICE, "An item against the merchant's listing"),
        "body": {"application/json": COUNTER_NOTICE, "multipart/form-data": COUNTER_NOTICE},
    },
    "alerts_retrieve": {"parameters": {"alert_id": (ALERT, "An open alert of the brand's")}},
    "alerts_confirm": {
        "summary": "The brand confirms the alert: a notice against the listing, explained by screening's evidence",
        "parameters": {"alert_id": (ALERT, "An open alert of the brand's")},
        # Both media types the operation takes, as the counter-notice's: the first one sent confirms the alert.
        "body": {"application/json": FILER, "multipart/form-data": FILER},
    },
    "alerts_dismiss": {
        "summary": "The brand dismisses an alert: the store resells genuine goods",
        "parameters": {"alert_id": (ALERT_TO_DISMISS, "Another open alert of the brand's")},
        "body": {
            "application/json": {
                "reason": "genuine_goods",
                "note": "A reseller we know; the goods come from our outlet.",
            }
        },
    },
    "asset_keywords_list": {"parameters": {"asset_id": (ASSET, "The brand's trademark")}},
    "asset_keywords_add": {
        "summary": "Two spellings counterfeiters use that the registration does not list",
        "parameters": {"asset_id": (ASSET, "The brand's trademark")},
        "body": {"application/json": {"keywords": ["Nortwind", "N0rthwind Pro"]}},
    },
    "asset_keywords_remove": {
        "parameters": {"asset_id": (ASSET, "The brand's trademark"), "keyword_id": (KEYWORD, "A keyword it added")}
    },
    "reported_sellers_create": {
        "summary": "A seller found through a test buy: its phone and the payout account on the receipt",
        "body": {
            "application/json": {
                "rights_holder": RIGHTS_HOLDER,
                "phone": "+86 571 8888 0042",
                "payout": "CN62 1111 2222 3333 4444",
            }
        },
    },
    "reported_sellers_remove": {"parameters": {"seller_id": (REPORTED_SELLER, "A seller the brand reported")}},
    "counterfeit_images_add": {
        "summary": "Two photos of fakes from a test buy (attach each as an `images` part)",
        "body": {"multipart/form-data": {"rights_holder": RIGHTS_HOLDER, "asset": ASSET}},
    },
    "counterfeit_images_remove": {
        "parameters": {"counterfeit_image_id": (COUNTERFEIT_IMAGE, "A picture the brand uploaded")}
    },
    "webhooks_create": {
        "summary": "Every item move and appeal decision, sent to a case-management system",
        "body": {
            "application/json": {
                "url": WEBHOOK_URL,
                "event_types": ["notice_item.counter_noticed", "notice_item.upheld", "appeal.decided"],
                "description": "Case management",
            }
        },
    },
    "webhooks_retrieve": {"parameters": _webhook()},
    "webhooks_update": {
        "summary": "Subscribe to every type, now and later",
        "parameters": _webhook(),
        "body": {"application/json": {"event_types": ["*"], "description": "Case management (all events)"}},
    },
    "webhooks_destroy": {"parameters": _webhook(WEBHOOK_TO_DELETE)},
    "webhooks_secret_rotate": {"parameters": _webhook()},
    "webhooks_test": {"parameters": _webhook()},
    "webhooks_deliveries_list": {"parameters": _webhook()},
    "webhooks_deliveries_retrieve": {"parameters": _webhook(event=True)},
    "webhooks_deliveries_redeliver": {"parameters": _webhook(event=True)},
}


def examples_hook(result, generator, request, public):
    """Postprocessing hook: each operation of ``EXAMPLES`` documents its example (OpenAPI ``examples``)."""
    operations = {
        operation["operationId"]: operation
        for path_item in result.get("paths", {}).values()
        for method, operation in path_item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for operation_id, example in EXAMPLES.items():
        operation = operations.get(operation_id)
        if operation is None:
            warn(f"api.examples names an operation the schema does not have: {operation_id}")
            continue
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "path"}
        for name, (value, summary) in example.get("parameters", {}).items():
            if name not in parameters:
                warn(f"api.examples: {operation_id} has no path parameter {name}")
                continue
            parameters[name]["examples"] = {"example": {"summary": summary, "value": value}}
        content = operation.get("requestBody", {}).get("content", {})
        for media_type, value in example.get("body", {}).items():
            if media_type not in content:
                warn(f"api.examples: {operation_id} reads no {media_type}")
                continue
            content[media_type]["examples"] = {"example": {"summary": example["summary"], "value": value}}
    return result
