"""Who files for which brand in the lifecycle demo, the stores its notices name, and the texts they carry."""

# Who files for which brand, with the contact details the notice carries. The e-mail addresses mark the
# demo notices: their presence means the lifecycle demo was seeded already.
FILERS = {
    "northwind": {
        "brand": "Northwind Athletics",
        "username": "demo-brand-owner",
        "data": {
            "filer_name": "Nora Lindqvist",
            "filer_address": "Northwind Athletics GmbH, Legal, Hafenstrasse 12, 20457 Hamburg, Germany",
            "filer_phone": "+49 40 5550 1200",
            "filer_email": "brand-protection@northwind-athletics.example",
            "signature": "Nora Lindqvist",
        },
    },
    "lumen": {
        "brand": "Lumen Optics",
        "username": "demo-agent",
        # The agent firm files, under its letter of authorisation for the brand.
        "acting_organisation": "Hale & Partners LLP",
        "data": {
            "filer_name": "Amelia Hale",
            "filer_address": "Hale & Partners LLP, 7 Chancery Lane, London WC2A 1LS, United Kingdom",
            "filer_phone": "+44 20 7946 0312",
            "filer_email": "lumen-notices@hale-partners.example",
            "signature": "Amelia Hale",
        },
    },
    "marlow": {
        "brand": "Marlow & Finch",
        "username": "demo-partner",
        "partner": True,
        "data": {
            "filer_name": "Sanne de Vries",
            "filer_address": "Independent Brands Association, Keizersgracht 100, 1015 CV Amsterdam, Netherlands",
            "filer_phone": "+31 20 555 0147",
            "filer_email": "vetting-desk@iba.example",
            "signature": "Sanne de Vries",
        },
    },
}
DEMO_FILER_EMAILS = frozenset(spec["data"]["filer_email"] for spec in FILERS.values())
DECLARATIONS = {"good_faith_statement": True, "accuracy_statement": True, "authority_statement": True}

DEMO_MERCHANT_STORES = ("BrightDeals Global", "Bright Outlet")  # demo-merchant's (Yiwu Bright Trading Co)
OTHER_STORES = ("Soundwave Direct",)
RING_STORE = "Grand Bazaar Online"  # three upheld counterfeits: the repeat-infringer rule closes it
AUTHORISED_STORE = "Sportivo Rotterdam"  # Northwind's authorised reseller: flagged, never fast-tracked

EXPLANATIONS = {
    "counterfeit": (
        "The listing sells counterfeit {mark} goods: the photos show a logo with the wrong letter spacing and "
        "stitching we never use, and the price ({price} EUR) is about a tenth of our reference price."
    ),
    "trademark_misuse": (
        "The title uses our registered mark {mark} to sell goods we did not make; buyers will believe they come "
        "from us."
    ),
    "design": "The product copies our registered design (shape and pattern) and is sold under the {mark} name.",
}

CN_GENUINE = (
    "These goods are genuine. We bought them from the brand's authorised distributor for our region; the "
    "purchase invoice and the distributor's authorisation letter are attached."
)
CN_WHOLESALE = (
    "We bought this stock from a wholesaler in Guangzhou as original factory surplus and believe it is genuine. "
    "The wholesaler's invoice is attached."
)
