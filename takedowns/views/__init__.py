"""Server-rendered pages of the notice lifecycle: thin views over the takedowns services.

Reads go through ``takedowns.selectors`` (scoped to the viewer); writes call one
service each and map its domain errors to messages (``errors``); deadlines are
shown in the viewer's own time zone (``display``). ``notifications`` is the
user's own inbox; ``public`` the register of closed stores, open to everyone.
"""
