"""Who made an item's move, as the records and the API name them (``takedowns.disclosure``), read on a page in
the reader's language (``takedowns.recorded``): the disclosure rule's stand-ins for the other side's people, and
the labels of moves no person made. A person's own name (a username) stays as written.
"""

from django.utils.translation import gettext_noop

from takedowns.recorded.registry import recorded_register, recorded_register_label

# The disclosure rule's stand-ins (``event_actor_shown``): the other side's people are not named.
THE_MERCHANT = recorded_register(gettext_noop("The merchant"))
THE_RIGHTS_HOLDER = recorded_register(gettext_noop("The rights holder"))
A_PLATFORM_REVIEWER = recorded_register(gettext_noop("A platform reviewer"))

# A move no person made: the sweeper, routing and tasks ("system"); a proactive notice's filing ("screening").
SYSTEM = recorded_register_label("system", gettext_noop("The platform (automatic)"))
SCREENING = recorded_register_label("screening", gettext_noop("The platform's screening (automatic)"))
