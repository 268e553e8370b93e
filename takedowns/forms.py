"""Forms of the takedown pages. They check shape and files; the rules live in the services.

Evidence files go through ``portal.uploads.validate_upload`` here, before any
service runs: a refused file is reported on its own row and nothing is stored.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import LineField, ProseField, whole_number
from portal.uploads import validate_uploads
from takedowns.counter_notices import counter_notice_errors
from takedowns.models import InfringementType, Outcome

MAX_EVIDENCE_FILES = 10

# The declarations DMCA 512(c)(3) and DSA article 16 ask of a notice, in the words the filer signs.
# Shown in the reader's language, on this form and on the filing page's (takedowns.draft_forms); the notice
# records that they were made (its boolean fields), not their text.
NOTICE_DECLARATIONS = {
    "good_faith_statement": _(
        "I have a good-faith belief that use of the material in the manner complained of is not authorised "
        "by the rights owner, its agent, or the law."
    ),
    "accuracy_statement": _(
        "I confirm my bona fide belief that the information and allegations in this notice are accurate and complete."
    ),
    "authority_statement": _(
        "Under penalty of perjury, I am the owner, or authorised to act on behalf of the owner, of an exclusive "
        "right that is allegedly infringed."
    ),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list of ValidatedUpload (kind "document")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def has_changed(self, initial, data):
        # An empty list (no file chosen) is no change: an unused extra row stays skippable.
        return not self.disabled and bool(data)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        files = [super(MultipleFileField, self).clean(f, initial) for f in files]
        validated, rejected = evidence_uploads_validate(files)
        if rejected:
            raise forms.ValidationError([str(exc) for exc in rejected.values()])
        return validated


# Refusals of a form's kept files (a counter-notice in progress: takedowns.counter_notice_drafts), by its field.
KEPT_FILE_GONE = _(
    "A kept file is no longer there (it was removed, or it is not yours). Check the kept files and send the form again."
)


def evidence_too_many(kept):
    """The refusal of more files than ``MAX_EVIDENCE_FILES`` when ``kept`` are kept already."""
    return forms.ValidationError(
        _("Attach at most %(max)d files: %(kept)d are kept already. Remove one, or combine them into one PDF.")
        % {"max": MAX_EVIDENCE_FILES, "kept": kept},
        code="too_many_files",
    )


def evidence_uploads_validate(files):
    """Evidence files through the portal's upload validator (kind "document"), every one of them, so that each
    refusal is told: (the validated uploads, {index of a refused file: its UploadRejected}). The pages' field
    and the API take evidence through this one rule. More than ``MAX_EVIDENCE_FILES``: a ValidationError."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise forms.ValidationError(
            _("Attach at most %(max)d files; combine the rest into one PDF."),
            code="too_many_files",
            params={"max": MAX_EVIDENCE_FILES},
        )
    return validate_uploads(files, kind="document")


class NoticeForm(forms.Form):
    """The notice's filer part. ``acting_for`` names the organisation that files and the brand it files for."""

    acting_for = forms.ChoiceField(
        label=_("Filing for"),
        help_text=_(
            "The brand, and whether you act as its own staff or as the agent firm its letter of authorisation names."
        ),
    )
    filer_name = LineField(label=_("Your full name"))
    filer_address = LineField(max_length=400, label=_("Postal address"))
    filer_phone = LineField(max_length=40, label=_("Phone"))
    filer_email = forms.EmailField(label=_("E-mail"))
    good_faith_statement = forms.BooleanField(label=NOTICE_DECLARATIONS["good_faith_statement"])
    accuracy_statement = forms.BooleanField(label=NOTICE_DECLARATIONS["accuracy_statement"])
    authority_statement = forms.BooleanField(label=NOTICE_DECLARATIONS["authority_statement"])
    signature = LineField(label=_("Signature"), help_text=_("Type your full name; it signs the declarations above."))

    def __init__(self, *args, roles, user, **kwargs):
        """``roles``: the user's ActingRoles (rights_holders.authority.acting_roles_of); one is chosen, never guessed."""
        self.roles = {role.key: role for role in roles}
        kwargs.setdefault(
            "initial",
            {
                "filer_name": user.get_full_name() or user.get_username(),
                "filer_email": user.email,
                # A single possible role is shown chosen; it is still posted, and checked, like any other.
                "acting_for": roles[0].key if len(roles) == 1 else None,
            },
        )
        super().__init__(*args, **kwargs)
        choices = [(role.key, role.label) for role in roles]
        self.fields["acting_for"].choices = choices if len(choices) == 1 else [("", _("Choose")), *choices]

    def clean_acting_for(self):
        return self.roles[self.cleaned_data["acting_for"]]

    def filer_fields(self):
        return [self[name] for name in ("acting_for", "filer_name", "filer_address", "filer_phone", "filer_email")]

    def notice_data(self):
        data = dict(self.cleaned_data)
        data.pop("acting_for")
        return data


class CounterNoticeForm(forms.Form):
    statement = ProseField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label=_("Statement"),
        help_text=_("Why the listing does not infringe: where the goods come from, your authorisation."),
    )
    evidence = MultipleFileField(
        label=_("Evidence of authenticity"),
        help_text=_("Invoices, authorisation letters, photos (PDF, JPEG, PNG, WebP). Chosen photos are shown below."),
        widget=MultipleFileInput(attrs={"data-preview": "", "accept": ".pdf,.jpg,.jpeg,.png,.webp"}),
    )
    contact_name = LineField(required=False, label=_("Contact name"))
    contact_address = LineField(max_length=400, required=False, label=_("Postal address"))
    contact_phone = LineField(max_length=40, required=False, label=_("Phone"))
    contact_email = forms.EmailField(required=False, label=_("E-mail"))
    accuracy_statement = forms.BooleanField(
        required=False, label=_("I confirm that the information in this counter-notice is accurate.")
    )
    good_faith_mistake_statement = forms.BooleanField(
        required=False,
        label=_(
            "Under penalty of perjury, I have a good-faith belief that the material was removed or disabled "
            "as a result of mistake or misidentification."
        ),
    )
    consent_to_jurisdiction = forms.BooleanField(
        required=False,
        label=_(
            "I consent to the jurisdiction of the court for the judicial district of my address (or, outside "
            "the United States, any judicial district in which the marketplace may be found)."
        ),
    )
    consent_to_service = forms.BooleanField(
        required=False,
        label=_("I will accept service of process from the person who filed the notice, or their agent."),
    )
    signature = LineField(required=False, label=_("Signature"), help_text=_("Type your full name as your signature."))

    COPYRIGHT_ONLY = ("good_faith_mistake_statement", "consent_to_jurisdiction", "consent_to_service")
    KEPT = "kept"  # the hidden inputs naming the kept files the page showed (portal/_kept_files.html)

    def __init__(self, *args, item, user, kept=(), **kwargs):
        """``kept``: the files the person's counter-notice in progress keeps (takedowns.counter_notice_drafts)."""
        kwargs.setdefault("initial", {"contact_name": user.get_full_name(), "contact_email": user.email})
        super().__init__(*args, **kwargs)
        self.item = item
        self.kept = list(kept)
        self.kept_ids = []
        if item.infringement_type != InfringementType.COPYRIGHT:
            for name in self.COPYRIGHT_ONLY:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        # The service's own rules decide what is missing; the form only places the messages.
        for name, message in counter_notice_errors(self.item, data).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        self._clean_kept(data)
        return data

    def _clean_kept(self, data):
        """The kept files the form names: the person's own, and with the new ones at most MAX_EVIDENCE_FILES."""
        named = {whole_number(raw) for raw in self.data.getlist(self.KEPT)} if hasattr(self.data, "getlist") else set()
        if not named <= {stored.pk for stored in self.kept}:
            self.add_error("evidence", KEPT_FILE_GONE)
            return
        self.kept_ids = sorted(named)
        if "evidence" not in self.errors and len(named) + len(data.get("evidence") or []) > MAX_EVIDENCE_FILES:
            self.add_error("evidence", evidence_too_many(len(named)))

    def counter_notice_fields(self):
        data = dict(self.cleaned_data)
        data.pop("evidence", None)
        data["signed_at"] = timezone.now()
        return data


class ReplyForm(forms.Form):
    statement = ProseField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Your reply to the counter-notice"))


class WithdrawForm(forms.Form):
    reason = ProseField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Reason (optional)"))


class AppealForm(forms.Form):
    statement = ProseField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Why should the decision change?"))


class CannedReasonSelect(forms.Select):
    """The canned-reason picker: each option carries its text and its decision, so the page's script
    (static/js/workbench.js) fills the editable statement and picks the decision when one is chosen."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        reason = getattr(value, "instance", None)
        if reason is not None:
            option["attrs"]["data-text"] = reason.text
            option["attrs"]["data-decision"] = DecisionForm.DECISION_FOR_OUTCOME.get(reason.outcome, "")
        return option


class DecisionForm(forms.Form):
    """A reviewer's decision: no decision is chosen for the reviewer, and the statement of reasons is
    required; one canned-reason picker fills the statement, to be edited.

    Which decisions an item offers is the transition table's answer
    (``lifecycle.actions_available``); the form only names them. Without the page's script, a canned
    reason sent with an empty statement comes back with its text in the box, to be read and sent again.
    """

    # Each choice: the lifecycle action it takes, its label, and the outcome of the canned reasons
    # that fit it (accepting needs none).
    CHOICES = {
        "accept": ("accepted", _("Accept: open the counter-notice window"), None),
        "reject": ("rejected", _("Reject the notice"), Outcome.REJECTED),
        "uphold": ("upheld", _("Uphold: take the listing down"), Outcome.UPHELD),
        "dismiss": ("dismissed", _("Dismiss the notice"), Outcome.DISMISSED),
    }
    # The decision a canned reason belongs to, so picking one also picks its decision.
    DECISION_FOR_OUTCOME = {outcome: key for key, (_action, _label, outcome) in CHOICES.items() if outcome}
    # The keys of the page's shortcuts, one per decision (listed on the page; static/js/workbench.js).
    SHORTCUTS = {"accept": "a", "reject": "r", "uphold": "u", "dismiss": "d"}

    @classmethod
    def offered(cls, actions):
        """The (choice, label) pairs among ``actions`` (what ``lifecycle.actions_available`` allows)."""
        return [(key, label) for key, (action, label, _outcome) in cls.CHOICES.items() if action in actions]

    @classmethod
    def canned_outcomes(cls, decisions):
        """The outcomes of the canned reasons that fit ``decisions`` ((choice, label) pairs)."""
        return [outcome for key, _label in decisions if (outcome := cls.CHOICES[key][2])]

    decision = forms.ChoiceField(
        choices=(),
        label=_("Decision"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision: none is made for you.")},
    )
    canned_reason = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Start from a canned reason"),
        empty_label=_("None: I write my own"),
        widget=CannedReasonSelect,
        help_text=_("Picking one puts its text in the statement below, to be edited to fit this item."),
    )
    reason = ProseField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Statement of reasons"),
        help_text=_("Both sides read it: say what you found and why it decides the item."),
        error_messages={"required": _("Write the statement of reasons: both sides read it.")},
    )
    # Only for a rejection: counts towards the filer's misuse warning and suspension (DSA article 23).
    manifestly_unfounded = forms.BooleanField(
        required=False,
        label=_("Manifestly unfounded (rejections only)"),
        help_text=_(
            "Tick only when the notice plainly had no basis: repeated ones lead to a warning, then a "
            "filing suspension for the filer."
        ),
    )

    def __init__(self, *args, decisions, canned, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(k, label) for k, label in decisions]
        self.fields["canned_reason"].queryset = canned
        if "reject" not in dict(decisions):
            del self.fields["manifestly_unfounded"]

    def clean(self):
        cleaned = super().clean()
        canned = cleaned.get("canned_reason")
        if (
            canned is not None
            and "reason" in self.errors
            and not (self.data.get(self.add_prefix("reason")) or "").strip()
        ):
            # Without the page's script: the canned text goes into the box, to be read, fitted and sent again.
            self.errors.pop("reason")
            self.data = self.data.copy()
            self.data[self.add_prefix("reason")] = canned.text
            self.add_error(
                "reason",
                _("The canned text is now in the box: fit it to this item, then send the decision again."),
            )
        return cleaned

    def reason_text(self):
        return (self.cleaned_data.get("reason") or "").strip()


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm the decision")), ("reverse", _("Reverse the decision"))],
        label=_("Decision on the appeal"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose confirm or reverse: none is made for you.")},
    )
    reason = ProseField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Reasons for both sides"),
        error_messages={"required": _("Write the reasons: both sides read them.")},
    )
