"""EXPLAIN ANALYZE of the slot search exactly as the application sends it (Django must be set up).

The view runs in-process on a RequestFactory request while its SQL is captured; each captured query
on the slot table is then explained with ANALYZE and BUFFERS. ``python -m bench.explain`` prints them.
"""

import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import django
from django.db import connection

if TYPE_CHECKING:
    from accounts.models import User


def search_queries(*, specialization: int, user: "User") -> list[str]:
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from doctors.views import SlotViewSet

    now = datetime.now(UTC).replace(microsecond=0)
    params = {
        "specialization": specialization,
        "status": "free",
        "start_after": now.isoformat(),
        "start_before": (now + timedelta(days=14)).isoformat(),
    }
    request = APIRequestFactory().get("/api/slots/", params, HTTP_HOST="127.0.0.1")
    force_authenticate(request, user=user)
    with CaptureQueriesContext(connection) as captured:
        response = SlotViewSet.as_view({"get": "list"})(request)
        response.render()
    if response.status_code != 200:
        raise RuntimeError(f"search answered {response.status_code}: {response.content[:200]!r}")
    return [q["sql"] for q in captured.captured_queries if "doctors_slot" in q["sql"]]


def explain(sql: str) -> str:
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cur.fetchall())


def explain_search(*, specialization: int, user: "User") -> list[dict[str, str]]:
    """[{sql, plan}] for each statement the search sends to the slot table (one: the page with its count)."""
    return [{"sql": sql, "plan": explain(sql)} for sql in search_queries(specialization=specialization, user=user)]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings.base")
    os.environ.setdefault("DJANGO_DEBUG", "on")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scheduler_bench")
    django.setup()
    from accounts.models import User
    from bench import fixtures

    user = User.objects.filter(email__startswith="bench-patient-").order_by("pk").first()
    if user is None:
        raise SystemExit("No bench patient: seed with python -m bench.seed first.")
    for name in (fixtures.TYPICAL, fixtures.WORST_CASE):
        print(f"=== search: {name} ===")
        for item in explain_search(specialization=fixtures.specialization_id(name), user=user):
            print(item["sql"], "\n", item["plan"], "\n", sep="")


if __name__ == "__main__":
    main()
