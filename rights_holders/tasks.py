from celery import shared_task


@shared_task(name="rights_holders.tasks.expire_ip_assets")
def expire_ip_assets():
    from rights_holders.verification import ip_assets_expire

    return ip_assets_expire()
