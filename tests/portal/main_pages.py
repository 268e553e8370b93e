"""The main pages of every role, with a small world behind them: one list for the browser checks (the
phone-width layout in test_layout_browser.py, the axe-core audit in test_accessibility_browser.py). A page
that lands goes here once and both checks walk it."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from good_faith.models import QualityAudit
from portal.models import OrganisationKind
from rights_holders.models import VerificationStatus
from takedowns.models import FilingImport, ImportStatus, NoticeItem
from tests import factories
from tests.bulk import notices_bulk_create


def public_pages():
    """What a visitor who is not signed in reads."""
    return [
        reverse("home"),
        reverse("login"),
        reverse("password_reset"),
        reverse("signed-out"),
        reverse("public:register"),
        reverse("help:index"),
        reverse("help:topic", args=["filing"]),
        reverse("transparency:report"),
    ]


def main_pages_world():
    """A brand (owner), an agent firm with letters for two brands, a merchant with a store, a notice against
    it, a reviewer, a senior reviewer and a platform admin: ``{role: (user, [path, ...])}``, each role's main
    pages with something to show (an open quality audit too)."""
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    owner = factories.member_of(
        factories.RightsHolderFactory(legal_name="Northwind Athletics").organisation, role="owner"
    )
    holder = owner.memberships.get().organisation.rights_holder
    asset = factories.IPAssetFactory(rights_holder=holder, verification_status=VerificationStatus.VERIFIED)
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Yiwu Bright Trading Co")
    merchant = factories.member_of(merchant_org, role="owner")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
    notice = notices_bulk_create(asset, store, 3)[0]
    item = NoticeItem.objects.filter(notice=notice).get()
    # A takedown drawn for a quality audit: the audit queue shows its decision form.
    now = timezone.now()
    audit = QualityAudit.objects.create(item=item, selected_at=now, due_at=now + timedelta(hours=24))
    # An asset waiting for verification: its page claims it for the reviewer who opens it.
    pending = factories.IPAssetFactory(rights_holder=holder, verification_status=VerificationStatus.PENDING)
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Hale & Partners LLP")
    agent = factories.member_of(firm)
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=holder)
    factories.LetterOfAuthorisationFactory(
        agent=firm, rights_holder=factories.RightsHolderFactory(legal_name="Lumen Optics")
    )
    reviewer = factories.UserFactory(username="reviewer-1")
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    senior = factories.UserFactory(username="senior-1")
    senior.groups.add(Group.objects.get(name="senior_reviewer"))
    admin = factories.UserFactory(username="admin-1", is_superuser=True, is_staff=True)
    notice_url = reverse("takedowns:notice-detail", args=[notice.pk])
    filing_import = FilingImport.objects.create(
        rights_holder=holder,
        filer_organisation=holder.organisation,
        created_by=owner,
        original_name="northwind-marketplace-sweep-november.csv",
        status=ImportStatus.RUNNING,
        rows_read=True,
        total_rows=1000,
        checked_rows=500,
        filed_rows=499,
        error_rows=1,
    )
    item_url = reverse("takedowns:item-detail", args=[item.pk])
    everyone = [
        reverse("home"),
        reverse("takedowns:notice-list"),
        reverse("takedowns:notifications"),
        reverse("account"),
        reverse("password_change"),
        reverse("two-factor-setup"),
    ]
    brand = [
        reverse("takedowns:notice-create"),
        reverse("takedowns:listing-search"),
        reverse("takedowns:listing-search") + "?q=acme",
        reverse("rights:asset-list"),
        reverse("rights:asset-detail", args=[asset.pk]),
        reverse("screening:alert-inbox"),
        reverse("good_faith:holder-overview"),
        reverse("screening_report:report"),
        reverse("screening_intel:holders"),
        notice_url,
        item_url,
        reverse("rights:authorised-stores", args=[holder.pk]),
        reverse("takedowns:import-list"),
        reverse("takedowns:import-create"),
        reverse("takedowns:import-detail", args=[filing_import.pk]),
    ]
    staff = [
        reverse("takedowns:review-queue"),
        reverse("rights:asset-list"),
        reverse("good_faith:staff-list"),
        reverse("good_faith:audit-queue"),
        reverse("good_faith:audit-detail", args=[audit.pk]),
        reverse("rights:asset-detail", args=[pending.pk]),
        reverse("good_faith:misuse"),
        reverse("good_faith:service-level"),
        reverse("screening_report:report"),
        notice_url,
        item_url,
    ]
    return {
        "owner": (
            owner,
            everyone + brand + [reverse("webhooks:list"), reverse("api-keys:list", args=[holder.organisation.slug])],
        ),
        "agent": (agent, everyone + brand[:2]),
        "merchant": (
            merchant,
            everyone
            + [
                notice_url,
                item_url,
                reverse("takedowns:merchant-dashboard"),
                reverse("takedowns:item-counter-notice", args=[item.pk]),
            ],
        ),
        "reviewer": (reviewer, everyone + staff),
        "senior_reviewer": (senior, everyone + staff),
        "admin": (admin, everyone + staff + [reverse("takedowns:effects-failed")]),
    }
