"""Background job of the supply closet, run by `medoffice worker` once a day (the worker's
clock queues it through medoffice.worklist.tasks.enqueue_daily_jobs): expired lots
quarantined, upkeep coming due and reorders onto the office manager's task list."""

from django_tasks import task

from medoffice.core.context import Actor, reset_actor, set_actor

WORKER = Actor(None, "medoffice worker", "", "", "")


@task(queue_name="default")
def inventory_daily_job() -> dict[str, int]:
    from medoffice.core.models import Practice
    from medoffice.inventory.services import inventory_daily

    token = set_actor(WORKER)
    totals = {"due": 0, "clashes": 0, "expired_lots": 0, "reorder_lines": 0}
    try:
        for practice in Practice.objects.order_by("id"):
            for key, value in inventory_daily(practice=practice).items():
                totals[key] = totals.get(key, 0) + value
    finally:
        reset_actor(token)
    return totals
