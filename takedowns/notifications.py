"""Notifications to the parties (in-app rows and e-mail). Placeholder; see issue 4."""


def effect_notify(effect):
    pass


def notice_receipt_send(notice_id):
    pass
