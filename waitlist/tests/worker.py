"""Run the real django-tasks database worker in the test (batch mode: every ready task, then return)."""

import uuid

from django_tasks_db.management.commands.db_worker import Worker


def run_worker() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=uuid.uuid4().hex[:32],
        excluded_queue_names=[],
    ).run()
