"""Thin tasks: take ids, re-read state, call one domain function (STYLE.md habit 4)."""

from celery import shared_task

# A worker that dies mid-task leaves the message unacknowledged: the broker redelivers it,
# and the effect rows make the second run do only what the first did not finish.
ENFORCEMENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**ENFORCEMENT)
def run_item_effects(item_id):
    from takedowns.effects import item_effects_run

    return item_effects_run(item_id)


@shared_task(**ENFORCEMENT)
def run_items_effects(item_ids):
    """The effects of a chunk of items moved together (the deadline sweep, a set filing), in batches."""
    from takedowns.effects import items_effects_run

    return items_effects_run(item_ids)


@shared_task(**ENFORCEMENT)
def sweep_deadlines():
    from takedowns.sweep import deadlines_sweep

    return deadlines_sweep()


@shared_task
def send_notification_emails(notification_ids):
    """E-mail these notification rows (written by a committed transaction); each is claimed first, so sent once."""
    from takedowns.notifications.delivery import notification_emails_send

    return notification_emails_send(notification_ids)


@shared_task
def send_pending_notification_emails():
    """E-mails still unsent after a crash between commit and sending, or a mail server outage."""
    from takedowns.notifications.delivery import notification_emails_send_pending

    return notification_emails_send_pending()


@shared_task(bind=True, **ENFORCEMENT, max_retries=None)
def run_filing_import(self, import_id):
    """File an uploaded CSV (takedowns.bulk_filing). A redelivered or retried run files only the rows still pending."""
    from takedowns.bulk_filing import FilingBusy, filing_import_run

    try:
        return filing_import_run(import_id)
    except FilingBusy as exc:
        # Other filings held the same listings; nothing of the chunk was kept. Later, more slowly each time.
        raise self.retry(exc=exc, countdown=min(300, 5 * 2 ** min(self.request.retries, 6))) from exc


@shared_task
def resume_stale_filing_imports():
    """Beat: open imports whose worker died or whose message was lost are sent to a worker again."""
    from takedowns.bulk_filing.importing import filing_imports_resume_stale

    return filing_imports_resume_stale()


@shared_task
def notice_drafts_expire():
    """Notices and counter-notices in progress untouched for NOTICE_DRAFT_EXPIRE_DAYS (a counter-notice's also when
    its item no longer awaits one): deleted with their evidence files. Returns how many."""
    from takedowns.counter_notice_drafts import counter_notice_drafts_expire
    from takedowns.drafts import notice_drafts_expire as expire

    return expire() + counter_notice_drafts_expire()
