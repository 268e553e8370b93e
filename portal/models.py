"""Users, organisations, memberships, letters of authorisation, audit log."""

import secrets
from datetime import UTC

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserQuerySet(models.QuerySet):
    def people(self):
        """Persons only: never the principal users API keys act as (``is_api_principal``)."""
        return self.filter(is_api_principal=False)


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person, or the principal an API key acts as. What they may see comes from their memberships and groups.

    A principal (``is_api_principal``) is a member of its key's organisation so that
    every selector answers for it what the organisation may see; it is not a person:
    wherever members are listed, counted or notified, ``people()`` leaves it out.
    """

    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="IANA time zone in which deadlines are shown to this user.",
    )
    # Blank until the person chooses (the switcher) or signs in: then the browser's language is kept, so
    # e-mails and notifications written by workers reach them in the language they read the portal in.
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="Language of the portal, e-mails and notifications for this user; blank: the browser's.",
    )
    is_api_principal = models.BooleanField(
        "API key principal",
        default=False,
        editable=False,
        help_text="The user an API key acts as, not a person: never listed among members nor notified.",
    )

    objects = PortalUserManager()

    class Meta:
        ordering = ["username"]

    def __str__(self):
        # An API key's principal reads as its key (portal.actors), wherever a user is shown as such (the admin).
        if self.is_api_principal:
            from portal.actors import actor_label

            return actor_label(self)
        return super().__str__()

    @property
    def is_platform_staff(self):
        from portal.roles import user_is_platform_staff

        return user_is_platform_staff(self)


class OrganisationKind(models.TextChoices):
    RIGHTS_HOLDER = "rights_holder", _("Rights holder (brand)")
    AGENT = "agent", _("Agent acting for rights holders")
    MERCHANT = "merchant", _("Merchant")
    PARTNER = "partner", _("Partner")


ORGANISATION_SLUG_MAX_LENGTH = 80


def organisation_slug_validate(value):
    if value.isdigit():
        raise ValidationError(_("A slug cannot be digits alone (those name organisations by id); add a letter."))


def organisation_slug_placeholder():
    """A unique slug for an organisation created without one (``portal.organisations`` makes one from the name)."""
    return f"org-{secrets.token_hex(5)}"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    # How operators name the organisation on the command line and in page addresses. Never all digits,
    # so "ORG" in a command can be an id or a slug without doubt.
    slug = models.SlugField(
        max_length=ORGANISATION_SLUG_MAX_LENGTH,
        unique=True,
        default=organisation_slug_placeholder,
        validators=[organisation_slug_validate],
        help_text="Short unique name (letters, digits, hyphens; not digits alone), e.g. acme-sports.",
    )
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="organisation_unique_name_per_kind")]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")


class MembershipQuerySet(models.QuerySet):
    def people(self):
        """Memberships of persons: what lists, counts and notifies an organisation's members.

        Leaves out the memberships of API key principals (``User.is_api_principal``), which
        exist only so that a key sees what its organisation may see.
        """
        return self.filter(user__is_api_principal=False)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=MembershipRole.choices, default=MembershipRole.STAFF)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org")]

    def __str__(self):
        return f"{self.user} - {self.organisation} ({self.role})"


class LetterOfAuthorisationQuerySet(models.QuerySet):
    def valid_at(self, when=None):
        # Letters are dated documents: validity is judged on the UTC calendar day.
        today = (when or timezone.now()).astimezone(UTC).date()
        return self.filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)


class LetterOfAuthorisation(models.Model):
    """An agent (e.g. a law firm) may act for a rights holder while this is valid."""

    agent = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="letters_held",
        limit_choices_to={"kind": OrganisationKind.AGENT},
    )
    rights_holder = models.ForeignKey(
        "rights_holders.RightsHolder", on_delete=models.PROTECT, related_name="letters_of_authorisation"
    )
    valid_from = models.DateField()
    valid_until = models.DateField()
    document = models.FileField(upload_to="letters/", max_length=255)
    document_name = models.CharField(max_length=255, blank=True, help_text="File name as uploaded.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LetterOfAuthorisationQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_until"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")), name="loa_valid_range"),
        ]

    def __str__(self):
        return f"{self.agent.name} for {self.rights_holder} ({self.valid_from} - {self.valid_until})"


class AuditLogEntry(models.Model):
    """Who did what to which object, when, from where. Append-only.

    On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE, so not even a
    bug or a hand-typed SQL statement in a shell can rewrite history.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="Who acted, kept even if the user is renamed.")
    action = models.CharField(max_length=100, db_index=True, help_text="Namespaced, e.g. takedowns.item.upheld")
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit log entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        triggers = [
            pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="audit_no_truncate",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                func="RAISE EXCEPTION 'pgtrigger: Cannot truncate the % table: the audit log is append-only', TG_TABLE_NAME;",
            ),
        ]

    def __str__(self):
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
        )


class WorkClaimQuerySet(models.QuerySet):
    def running(self, now=None):
        """Claims that have not expired: an expired one is as good as none (the work is back in the queue)."""
        return self.filter(expires_at__gt=now or timezone.now())


class WorkClaim(models.Model):
    """A reviewer's claim on one piece of work (an item, a quality audit, an asset to verify): while it runs,
    nobody else decides that work. Each kind of work has its own claim model, this plus a one-to-one field
    to the work, so the database keeps one claim per piece of work and deletes it with the work; every kind
    is taken, renewed, released and ended by the one implementation in ``portal.claims``. Released or decided,
    a claim is deleted; expired, it is ignored and the next reviewer to open the work takes it over."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    objects = WorkClaimQuerySet.as_manager()

    class Meta:
        abstract = True


class DataVersion(models.Model):
    """The version of everything the portal's shared page fragments show (``portal.pagecache``): a row per part
    (``id``: the data, the reviewers' claims), its ``n`` raised by every transaction that writes one of the
    part's tables, as that transaction commits; ``epoch`` changes when the row is made again (after a flush),
    so a version is never read twice for different data."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.CharField(max_length=32)
    n = models.BigIntegerField(default=1)

    def __str__(self):
        return f"{self.epoch}.{self.n}"


class DataChange(models.Model):
    """A transaction's mark that it wrote a tracked table, on PostgreSQL: inserting it queues the deferred
    trigger that raises ``DataVersion.n`` at commit; the trigger deletes it. Always empty between transactions."""

    id = models.BigAutoField(primary_key=True)
    # The part of the version to raise (``portal.pagecache.TOPICS``).
    topic = models.PositiveSmallIntegerField(default=1)

    def __str__(self):
        return str(self.id)
