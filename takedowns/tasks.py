"""Thin tasks: take ids, re-read state, call one domain function (STYLE.md habit 4)."""

from celery import shared_task

ENFORCEMENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**ENFORCEMENT)
def run_item_effects(item_id):
    from takedowns.effects import item_effects_run

    return item_effects_run(item_id)


@shared_task(**ENFORCEMENT)
def sweep_deadlines():
    from takedowns.sweep import deadlines_sweep

    return deadlines_sweep()
