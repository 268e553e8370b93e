"""The demo world's organisations, users, listings and orders, created idempotently on natural keys.

Everything is keyed on natural keys (names, usernames, external ids), so a second run creates
nothing new. The notices and their histories come after, from ``demo.lifecycle`` and
``demo.good_faith``, made by the domain functions.
"""

import datetime
import random
from decimal import Decimal

from django.core.files.base import ContentFile

from demo.files import logo_png, minimal_pdf
from demo.good_faith import MISUSER, NEAR, demo_good_faith_brands
from demo.world_data import (
    ADJECTIVES,
    AGENT,
    AGENT_BRAND,
    AUTHORISED,
    BATCH_SIZE,
    BRANDS,
    BUYER_PREFIX,
    COLOURS,
    COUNTERFEIT_PITCH,
    DEMO_PASSWORD,
    DEMO_TIME_ZONES,
    FAKE_HOOKS,
    GENERIC,
    LISTING_COUNT,
    LISTING_PREFIX,
    MARKETPLACE,
    MERCHANTS,
    NEW_STORE,
    PARTNER,
    PARTNER_VETS,
    PLATFORM_USERS,
    SEED,
    SIZED,
    SIZES,
    VARIANTS,
    money,
)
from listings.images import listing_images_add
from listings.models import Listing, ListingImage, ListingStatus, Merchant, Order, Store
from portal.identity import identity_hash
from portal.models import LetterOfAuthorisation, Membership, MembershipRole, Organisation, OrganisationKind, User
from portal.organisations import organisation_slug_for
from portal.roles import ensure_platform_groups
from portal.transactions import stored_file_track
from portal.two_factor.devices import authenticator_provision
from rights_holders.models import (
    AuthorisedStore,
    AuthorisedStoreKind,
    IPAsset,
    IPAssetKind,
    Partner,
    PartnerKind,
    ReferenceImage,
    RightsHolder,
    TrademarkType,
    VerificationStatus,
)

# Listings given photos (listings.images): this many that name a brand, and as many that do not.
DEMO_IMAGED_LISTINGS = 3
PHOTO_COLOURS = [(52, 73, 94), (142, 68, 173), (22, 160, 133), (192, 57, 43), (41, 128, 185)]


def demo_world_seed(*, now):
    """Create the world (inside the caller's transaction); returns the demo logins as (username, role, organisation)."""
    world = DemoWorld(now=now)
    brands = world.seed_brands()
    agent = world.seed_agent(brands)
    partner = world.seed_partner(brands)
    marketplace = world.seed_marketplace()
    # The Good Faith demo's extra brands: a misuser and a small brand the partner vets.
    brands.update(demo_good_faith_brands(today=world.today, partner=Partner.objects.get(organisation=partner)))
    stores, merchants = world.seed_merchants()
    world.seed_authorised_store(brands, stores)
    world.seed_listings(brands, stores)
    world.seed_listing_images()
    world.seed_orders()
    return world.seed_users(brands, agent, partner, merchants, marketplace)


class DemoWorld:
    def __init__(self, *, now):
        self.rng = random.Random(SEED)
        self.now = now
        self.today = now.date()
        self.groups = ensure_platform_groups()

    # --- Brands ---------------------------------------------------------------
    def seed_brands(self):
        brands = {}
        for spec in BRANDS:
            org, _ = Organisation.objects.get_or_create(
                kind=OrganisationKind.RIGHTS_HOLDER,
                name=spec["name"],
                defaults={
                    "country": spec["country"],
                    "contact_email": f"legal@{spec['website'].split('//')[1]}",
                    "slug": organisation_slug_for(spec["name"]),
                },
            )
            holder, _ = RightsHolder.objects.get_or_create(
                organisation=org, defaults={"legal_name": spec["name"], "website": spec["website"]}
            )
            brands[spec["name"]] = holder
            for index, (office, number, classes) in enumerate(spec["registrations"]):
                asset, _ = IPAsset.objects.get_or_create(
                    rights_holder=holder,
                    kind=IPAssetKind.TRADEMARK,
                    office=office,
                    registration_number=number,
                    defaults={
                        "name": spec["mark"],
                        "trademark_type": TrademarkType.WORD,
                        "nice_classes": classes,
                        "registered_on": datetime.date(2016 + index, 3, 14),
                        "expires_on": datetime.date(2034 + index, 3, 14),
                        "verification_status": VerificationStatus.VERIFIED,
                        "verification_reason": "Registration checked against the office register.",
                        "verified_at": self.now,
                        "keywords": [spec["keyword"], *spec["obfuscations"]],
                        "categories": [spec["category"]],
                        "reference_price": spec["reference_price"],
                        "reference_currency": "EUR",
                        "description": f"{spec['mark']} word mark covering {spec['category']}.",
                    },
                )
                if not asset.reference_images.exists():
                    images = [(spec["name"], spec["colour"])]
                    if index == 0:
                        images.append((spec["mark"], tuple(255 - c for c in spec["colour"])))
                    for number_, (text, colour) in enumerate(images, start=1):
                        self.add_reference_image(
                            asset, f"{spec['keyword'].replace(' & ', '-')}-logo-{number_}.png", text, colour
                        )

        # Realism: one asset awaiting verification, one refused.
        kestrel = brands["Kestrel Audio"]
        pending, _ = IPAsset.objects.get_or_create(
            rights_holder=kestrel,
            kind=IPAssetKind.TRADEMARK,
            office="CNIPA",
            registration_number="58123456",
            defaults={
                "name": "KESTREL",
                "trademark_type": TrademarkType.FIGURATIVE,
                "nice_classes": [9],
                "registered_on": datetime.date(2022, 6, 1),
                "expires_on": datetime.date(2032, 6, 1),
                "verification_status": VerificationStatus.PENDING,
                "keywords": ["kestrel"],
                "reference_price": Decimal("299.00"),
                "reference_currency": "EUR",
                "description": "Bird-in-flight device mark, filed in China.",
            },
        )
        if not pending.reference_images.exists():
            self.add_reference_image(pending, "kestrel-device.png", "KESTREL (device)", (60, 60, 90))
        IPAsset.objects.update_or_create(
            rights_holder=brands["Aurelia Paris"],
            kind=IPAssetKind.TRADEMARK,
            office="WIPO",
            registration_number="1456789",
            defaults={
                "name": "AURELIA MONOGRAM",
                "trademark_type": TrademarkType.FIGURATIVE,
                "nice_classes": [18],
                "registered_on": datetime.date(2019, 9, 2),
                "expires_on": datetime.date(2029, 9, 2),
                "verification_status": VerificationStatus.REJECTED,
                "verification_reason": (
                    "The certificate uploaded names a different holder (Aurelia Holdings SA); "
                    "please upload an assignment record or a certificate in your name."
                ),
                "verified_at": self.now,
                "keywords": ["aurelia monogram"],
                "reference_currency": "EUR",
            },
        )
        return brands

    def add_reference_image(self, asset, name, text, colour):
        width, height = 480, 240
        data = logo_png(text, colour, size=(width, height))
        image = ReferenceImage(
            asset=asset, original_name=name, content_type="image/png", size=len(data), width=width, height=height
        )
        image.image.save(name, ContentFile(data, name=name), save=False)
        stored_file_track(image.image)  # a seed that fails half-way leaves no file either
        image.save()

    # --- Agent and partner ----------------------------------------------------------------
    def seed_agent(self, brands):
        agent, _ = Organisation.objects.get_or_create(
            kind=OrganisationKind.AGENT,
            name=AGENT["name"],
            defaults={
                "country": AGENT["country"],
                "contact_email": AGENT["contact_email"],
                "slug": organisation_slug_for(AGENT["name"]),
            },
        )
        holder = brands[AGENT_BRAND]
        if not LetterOfAuthorisation.objects.filter(agent=agent, rights_holder=holder).exists():
            letter = LetterOfAuthorisation(
                agent=agent,
                rights_holder=holder,
                # Signed well before the oldest demo notice the firm files (the Good Faith record spans 180 days).
                valid_from=self.today - datetime.timedelta(days=400),
                valid_until=self.today + datetime.timedelta(days=335),
                document_name="letter-of-authorisation.pdf",
            )
            pdf = minimal_pdf(f"{holder.legal_name} authorises {agent.name} to act on its behalf.")
            letter.document.save("letter-of-authorisation.pdf", ContentFile(pdf), save=False)
            stored_file_track(letter.document)
            letter.save()
        return agent

    def seed_partner(self, brands):
        org, _ = Organisation.objects.get_or_create(
            kind=OrganisationKind.PARTNER,
            name=PARTNER["name"],
            defaults={
                "country": PARTNER["country"],
                "contact_email": PARTNER["contact_email"],
                "slug": organisation_slug_for(PARTNER["name"]),
            },
        )
        partner, _ = Partner.objects.get_or_create(
            organisation=org, defaults={"kind": PartnerKind.ASSOCIATION, "approved_for_vetting": True}
        )
        partner.vetted_rights_holders.add(brands[PARTNER_VETS])
        return org

    def seed_marketplace(self):
        """The marketplace itself, as the portal knows it: a partner organisation of kind "marketplace"."""
        org, _ = Organisation.objects.get_or_create(
            kind=OrganisationKind.PARTNER,
            name=MARKETPLACE["name"],
            defaults={
                "country": MARKETPLACE["country"],
                "contact_email": MARKETPLACE["contact_email"],
                "slug": organisation_slug_for(MARKETPLACE["name"]),
            },
        )
        Partner.objects.get_or_create(organisation=org, defaults={"kind": PartnerKind.MARKETPLACE})
        return org

    # --- Merchants and stores ---------------------------------------------------------------
    def seed_merchants(self):
        rng = random.Random(SEED + 1)
        stores, merchants = [], []
        for m_index, (legal_name, country, store_specs) in enumerate(MERCHANTS, start=1):
            org, _ = Organisation.objects.get_or_create(
                kind=OrganisationKind.MERCHANT,
                name=legal_name,
                defaults={
                    "country": country,
                    "contact_email": f"shop{m_index}@merchants.example",
                    "slug": organisation_slug_for(legal_name),
                },
            )
            merchant, _ = Merchant.objects.get_or_create(
                organisation=org,
                defaults={
                    "legal_name": legal_name,
                    "business_licence_number": f"DEMO-BL-{m_index:06d}",
                    "contact_phone": f"+{rng.randint(30, 90)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                    "contact_email": f"shop{m_index}@merchants.example",
                    "address": f"{rng.randint(1, 200)} Market Street, {store_specs[0][2]}",
                },
            )
            merchants.append(merchant)
            for s_index, spec in enumerate(store_specs, start=1):
                stores.append(self.seed_store(merchant, country, (m_index, s_index), spec, rng))
        # Made after the others, from its own generator: the world's other stores and listings stay as they were.
        legal_name, spec = NEW_STORE
        m_index, merchant = next((n, m) for n, m in enumerate(merchants, start=1) if m.legal_name == legal_name)
        self.seed_store(merchant, merchant.organisation.country, (m_index, 9), spec, random.Random(SEED + 3))
        return stores, merchants

    def seed_store(self, merchant, country, numbers, spec, rng):
        """The store of ``spec`` (name, region, city, opened days before the seed). Screening reads its age from
        ``created_at`` (screening.merchants): a store made now with listings months old would look new."""
        name, region, city, opened_days_ago = spec
        iban = f"{country}{rng.randint(10, 99)}DEMO{numbers[0]:02d}{numbers[1]:02d}{rng.randint(10**9, 10**10 - 1)}"
        store, _ = Store.objects.get_or_create(
            merchant=merchant,
            name=name,
            defaults={
                "payout_account_hash": identity_hash(iban),
                "payout_account_last4": iban[-4:],
                "region": region,
                "city": city,
                "security_deposit": money(rng.choice([1000, 2500, 5000, 10000])),
                "deposit_currency": "EUR",
                "created_at": self.now - datetime.timedelta(days=opened_days_ago),
            },
        )
        return store

    def seed_authorised_store(self, brands, stores):
        brand_name, store_name = AUTHORISED
        store = next(s for s in stores if s.name == store_name)
        AuthorisedStore.objects.get_or_create(
            rights_holder=brands[brand_name],
            store=store,
            defaults={
                "kind": AuthorisedStoreKind.RESELLER,
                "note": "Official reseller for the Benelux since 2021.",
                "valid_until": self.today + datetime.timedelta(days=365),
            },
        )

    # --- Listings and orders ------------------------------------------------------------------
    def listing_rows(self, stores):
        """Deterministic listing data; the same 3,000 rows on every run."""
        rng = self.rng
        authorised_store = next(s for s in stores if s.name == AUTHORISED[1])
        # Stores that sell counterfeits more often than others; genuine branded goods come from the others.
        shady = [s for s in stores if s.city in {"Yiwu", "Hangzhou", "Shenzhen", "Istanbul"}]
        established = [s for s in stores if s not in shady]
        brand_by_name = {b["name"]: b for b in BRANDS}
        categories = list(GENERIC)
        rows = []
        for n in range(1, LISTING_COUNT + 1):
            external_id = f"{LISTING_PREFIX}{n:06d}"
            roll = rng.random()
            if roll < 0.06:
                # Plainly infringing: the brand name at about a tenth of the reference price.
                brand = rng.choice(BRANDS)
                name = brand["name"].split()[0] if brand["name"] != "Marlow & Finch" else brand["name"]
                if rng.random() < 0.35:
                    name = rng.choice(brand["obfuscations"]).title()
                title = f"{rng.choice(FAKE_HOOKS)} {name} {rng.choice(brand['products'])} {rng.choice(COLOURS)}"
                price = money(brand["reference_price"] * Decimal(rng.uniform(0.07, 0.14)))
                store = rng.choice(shady)
                category = brand["category"]
                description = f"{title}. {COUNTERFEIT_PITCH}"
            elif roll < 0.08:
                # Genuine branded goods from the authorised reseller, or grey imports near full price.
                brand = brand_by_name[AUTHORISED[0]] if rng.random() < 0.6 else rng.choice(BRANDS)
                store = authorised_store if brand["name"] == AUTHORISED[0] else rng.choice(stores)
                if store in shady:
                    # Drawn from every store as before, so that the draws after it, and the world, stay the same.
                    store = established[n % len(established)]
                title = f"{brand['name']} {rng.choice(brand['products'])} {rng.choice(COLOURS)}"
                price = money(brand["reference_price"] * Decimal(rng.uniform(0.85, 1.05)))
                category = brand["category"]
                description = f"Genuine {brand['name']} product with receipt and warranty."
            else:
                category = rng.choice(categories)
                nouns, (low, high) = GENERIC[category]
                title = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)} - {rng.choice(COLOURS)}, {rng.choice(SIZES if category in SIZED else VARIANTS)}"
                price = money(Decimal(rng.uniform(low, high)))
                store = rng.choice(stores)
                description = f"{title}. Ships within 2 working days."
            created = self.now - datetime.timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 1439))
            rows.append(
                Listing(
                    store=store,
                    external_id=external_id,
                    title=title[:300],
                    description=description,
                    category=category,
                    price=price,
                    currency="EUR",
                    created_at=created,
                    updated_at=created,
                )
            )
        return rows

    def seed_listings(self, brands, stores):
        rows = self.listing_rows(stores)
        existing = set(
            Listing.objects.filter(external_id__startswith=LISTING_PREFIX).values_list("external_id", flat=True)
        )
        missing = [row for row in rows if row.external_id not in existing]
        if missing:
            Listing.objects.bulk_create(missing, batch_size=BATCH_SIZE, ignore_conflicts=True)

    def seed_listing_images(self):
        """Photos for a few listings, sent through the one service as the marketplace sends them (listings.images):
        the first listings that name a brand get two, the first plain ones one. Listings that have images keep them."""
        listings = Listing.objects.filter(external_id__startswith=LISTING_PREFIX).order_by("external_id")
        brand_words = tuple(brand["name"].split()[0].casefold() for brand in BRANDS)
        branded, plain = [], []
        for listing in (
            listings.exclude(status=ListingStatus.REMOVED).only("pk", "external_id", "title", "status").iterator()
        ):
            (branded if any(word in listing.title.casefold() for word in brand_words) else plain).append(listing)
            if len(branded) >= DEMO_IMAGED_LISTINGS and len(plain) >= DEMO_IMAGED_LISTINGS:
                break
        chosen = [(listing, 2) for listing in branded[:DEMO_IMAGED_LISTINGS]]
        chosen += [(listing, 1) for listing in plain[:DEMO_IMAGED_LISTINGS]]
        having = set(
            ListingImage.objects.filter(listing__in=[listing for listing, _ in chosen]).values_list(
                "listing_id", flat=True
            )
        )
        for listing, count in chosen:
            if listing.pk in having:
                continue
            files = [
                ContentFile(
                    logo_png(listing.title[:40], PHOTO_COLOURS[(listing.pk + n) % len(PHOTO_COLOURS)], (480, 360)),
                    name=f"{listing.external_id}-{n + 1}.png",
                )
                for n in range(count)
            ]
            listing_images_add(listing=listing, files=files, actor=None, now=self.now)

    def seed_orders(self):
        if Order.objects.filter(buyer_reference__startswith=BUYER_PREFIX).exists():
            return
        rng = random.Random(SEED + 2)
        listings = list(
            Listing.objects.filter(external_id__startswith=LISTING_PREFIX)
            .order_by("external_id")
            .values_list("id", "price", "created_at")
        )
        sold = rng.sample(listings, k=min(700, len(listings)))
        orders = []
        for listing_id, price, created_at in sold:
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
                quantity = rng.choice([1, 1, 1, 2, 3])
                span = max(int((self.now - created_at).total_seconds()), 60)
                orders.append(
                    Order(
                        listing_id=listing_id,
                        buyer_reference=f"{BUYER_PREFIX}{rng.randint(1, 4000):06d}",
                        quantity=quantity,
                        amount=money(price * quantity),
                        currency="EUR",
                        ordered_at=created_at + datetime.timedelta(seconds=rng.randint(0, span)),
                    )
                )
        Order.objects.bulk_create(orders, batch_size=BATCH_SIZE)

    # --- Users ------------------------------------------------------------------------
    def seed_users(self, brands, agent, partner, merchants, marketplace):
        brand_org = brands["Northwind Athletics"].organisation
        merchant_org = merchants[1].organisation  # Yiwu Bright Trading Co: the one with complaints.
        specs = [
            ("demo-brand-owner", "Brand owner", brand_org, MembershipRole.OWNER, ("Nora", "Lindqvist")),
            ("demo-brand-staff", "Brand staff", brand_org, MembershipRole.STAFF, ("Tom", "Becker")),
            ("demo-agent", "Agent (law firm)", agent, MembershipRole.OWNER, ("Amelia", "Hale")),
            ("demo-merchant", "Merchant owner", merchant_org, MembershipRole.OWNER, ("Li", "Wei")),
            ("demo-partner", "Partner staff", partner, MembershipRole.STAFF, ("Sanne", "de Vries")),
            ("demo-marketplace", "Marketplace owner", marketplace, MembershipRole.OWNER, ("Ciara", "Byrne")),
            (
                "demo-near-member",
                "Brand owner (near Good Faith)",
                brands[NEAR].organisation,
                MembershipRole.OWNER,
                ("Oliver", "Grant"),
            ),
            (
                "demo-misuser",
                "Brand owner (suspended filer)",
                brands[MISUSER].organisation,
                MembershipRole.OWNER,
                ("Gavin", "Marsh"),
            ),
        ]
        logins = []
        for username, label, org, role, (first, last) in specs:
            user = self.ensure_user(username, first, last)
            Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": role})
            logins.append((username, label, org.name))
        staff_names = {
            "demo-reviewer": ("Ravi", "Patel"),
            "demo-senior-reviewer": ("Sofia", "Marquez"),
            "demo-admin": ("Alex", "Moreau"),
        }
        for username, label, group, superuser in PLATFORM_USERS:
            first, last = staff_names[username]
            user = self.ensure_user(username, first, last, is_staff=True, is_superuser=superuser)
            user.groups.add(self.groups[group])
            # Staff sign in with a code (portal/two_factor/): `manage.py demo_code <username>` prints it.
            authenticator_provision(user=user)
            logins.append((username, label, "Platform staff"))
        return logins

    def ensure_user(self, username, first, last, *, is_staff=False, is_superuser=False):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.example",
                "is_staff": is_staff,
                "is_superuser": is_superuser,
                # Deadlines show in each user's own zone; the demo spreads them over the world.
                "time_zone": DEMO_TIME_ZONES.get(username, "UTC"),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
