"""Good Faith pages: thin views over the programme's services.

- ``holder``: a rights holder's own standing (its figures, memberships, how far it is from qualifying);
- ``staff``: every holder and partner for platform staff, and the manual grant / revoke / lift;
- ``audits``: the quality-audit queue of fast-track takedowns for reviewers;
- ``misuse``: an organisation's warnings and suspensions with their appeal, and the appeal queue;
- ``service_level``: the service level report for platform staff.

Reads go through ``subjects`` (a page of subjects in a constant number of queries);
writes call one service each, and domain errors become messages.
"""
