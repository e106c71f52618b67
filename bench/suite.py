"""One benchmark run: prepare the data, serve, run the scenarios, check the invariants, clean up.

Imported only once Django is set up (bench.run does that with the server's own settings and secrets).
"""

import contextlib
import logging
import math
import multiprocessing
import platform
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import fixtures, pgbench, report, worker
from bench.config import PACED, Config
from bench.explain import explain_search
from bench.fixtures import Allocator, Lane, specialization_id
from bench.load import run_locust
from bench.server import Gunicorn, manage
from bench.stats import Measurement, ScenarioResult, paced_rate, summarize

OK_200 = frozenset({200})
OK_201 = frozenset({201})
OK_HOLD_CONFIRM = frozenset({200, 201})
PGBENCH_LANE = 1000  # slots per pgbench lane: about half a doctor's year, so two lanes fit one doctor
STORM_LANE_MAX = 1500  # a storm client is one patient with one doctor's slots: at most most of a year
HEADROOM = 5  # seconds of bookings beyond --duration that the slot reservations allow for
# Closed-loop search scenario -> (the specialization it searches, how the table names it).
SEARCHES = {"search": (fixtures.TYPICAL, "typical"), "search_worst": (fixtures.WORST_CASE, "worst case")}


@dataclass(frozen=True)
class Plans:
    """Who books what. Bookings use up slots, so the booking scenarios get new ones in every round."""

    tokens: dict[int, str]  # user id -> access token
    storm: list[list[Lane]]  # per round: one lane per user
    hold: list[list[Lane]]  # per round: one lane per user, for hold + confirm
    hot: list[Lane]  # per round: the hot slots
    hot_patients: list[list[tuple[int, int]]]  # per round: (patient id, user id) per user
    listing: list[Lane]
    worker: list[list[list[Lane]]] = field(default_factory=list)  # per round: per worker count, its lanes

    def users(self, lanes: list[Lane], *, with_slots: bool) -> list[dict[str, Any]]:
        return [
            {"token": self.tokens[lane.user_id], **({"slots": lane.slot_ids} if with_slots else {})} for lane in lanes
        ]


class Suite:
    def __init__(self, config: Config, env: dict[str, str]) -> None:
        self.config = config
        self.env = env
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        self.log = self.workdir / "bench.log"
        self.report = report.Report()
        self.bare_url = ""  # the bare WSGI app's server, when the bare scenario runs
        self.offered: dict[str, list[float | None]] = {}  # per paced scenario: the rate offered in each round

    def run(self) -> int:
        config = self.config
        logging.disable(logging.INFO)  # this process's own booking log lines (the server still logs)
        print(f"Database {config.database_name}; logs in {self.workdir}", flush=True)
        fixtures.lock_database_for_this_run()
        manage(self.env, "migrate", "--no-input", "-v", "0")
        manage(self.env, "collectstatic", "--no-input", "-v", "0")
        self._reset()
        try:
            facts = fixtures.database_facts()
            plans = self._plan()
            fixtures.book_directly(plans.listing)
            fixtures.vacuum()  # the setup bookings cleared all-visible bits that autovacuum would set again
            self.report.explain = self._explain(plans)
            with contextlib.ExitStack() as servers:
                url = servers.enter_context(Gunicorn(self.env, self.log))
                print(f"gunicorn with {config.workers} workers at {url}", flush=True)
                if "bare" in config.scenarios:  # idle while the project is measured, and the other way round
                    self.bare_url = servers.enter_context(Gunicorn(self.env, self.log, app="bench.bare"))
                for round_no in range(config.rounds):
                    if config.rounds > 1:
                        print(f"Round {round_no + 1} of {config.rounds}", flush=True)
                    for name in config.scenarios:
                        if name == "worker":  # not timed: it runs until its notifications are sent
                            print(
                                f"Running worker: {config.worker_notifications} notifications, 1 then 2 processes ...",
                                flush=True,
                            )
                        else:
                            print(f"Running {name} for {config.duration} s ...", flush=True)
                        self._scenario(name, plans, url, round_no)
        finally:
            self._reset()
        self.report.keep_medians()
        meta = self._meta(facts)
        print()
        print(report.table(self.report))
        if report.worker_text(self.report):
            print(f"\n{report.worker_text(self.report)}")
        if config.rounds > 1:
            print(f"\nMedian of {config.rounds} rounds; every round's req/s:")
            print(self.report.rounds_text())
        print("\nTargets (reported, not enforced):")
        print(report.targets_text(self.report))
        failed = [name for name, ok in self.report.checks.items() if not ok]
        print("\nCorrectness:", "all checks passed" if not failed else f"FAILED: {', '.join(failed)}")
        print(f"Results: {report.write_json(self.report, meta)}")
        return 0 if self.report.passed else 1

    # ----------------------------------------------------------------------------------------------
    def _reset(self) -> None:
        """Back to the seeded state: no bench bookings or tokens, no plan table, tables vacuumed."""
        removed = fixtures.remove_bench_appointments()
        fixtures.remove_bench_tokens()
        fixtures.remove_bench_idempotency_keys()
        pgbench.drop_plan()
        worker.unpark()  # tasks a killed worker scenario held back, before the clean-up deletes the bench's
        fixtures.vacuum()
        if removed:
            print(f"Removed {removed} bench appointments.", flush=True)

    def _plan(self) -> Plans:
        config, allocate = self.config, Allocator()
        rounds = range(config.rounds)
        hot = [allocate.lane(config.hot_slots) for _ in rounds]
        hot_patients = [[allocate.patient() for _ in range(config.users)] for _ in rounds]
        listing = [allocate.lane(config.list_appointments) for _ in range(config.users)]
        storm_slots = min(STORM_LANE_MAX, math.ceil(config.storm_max_rps * (config.duration + HEADROOM) / config.users))
        storm = [
            [allocate.lane(storm_slots) for _ in range(config.users)] if "storm" in config.scenarios else []
            for _ in rounds
        ]
        if "pgbench" in config.scenarios:
            budget = math.ceil(config.pgbench_max_tps * (config.duration + HEADROOM) / config.users)
            lanes = math.ceil(budget / PGBENCH_LANE)
            pgbench.write_plan(
                [
                    [[allocate.lane(math.ceil(budget / lanes)) for _ in range(lanes)] for _ in range(config.users)]
                    for _ in rounds
                ]
            )
        # A checkout is two requests, so lanes sized for the storm's rate last the hold scenario too.
        hold = [
            [allocate.lane(storm_slots) for _ in range(config.users)] if "hold" in config.scenarios else []
            for _ in rounds
        ]
        # The worker scenario books its notifications' appointments when it runs: in slots reserved here.
        worker_lanes = [
            worker.lanes_for(allocate, config.worker_notifications) if "worker" in config.scenarios else []
            for _ in rounds
        ]
        storm_lanes = [lane for lanes in (*storm, *hold) for lane in lanes]
        worker_patients = [lane.patient_id for phases in worker_lanes for lanes in phases for lane in lanes]
        hot_users = [pair for pairs in hot_patients for pair in pairs]
        user_ids = [lane.user_id for lane in (*storm_lanes, *listing)] + [user_id for _, user_id in hot_users]
        patient_ids = [lane.patient_id for lane in (*storm_lanes, *listing)] + [patient for patient, _ in hot_users]
        fixtures.encrypt_with_this_runs_key(patient_ids + worker_patients)
        return Plans(fixtures.access_tokens(user_ids), storm, hold, hot, hot_patients, listing, worker=worker_lanes)

    def _explain(self, plans: Plans) -> dict[str, list[dict[str, str]]]:
        from accounts.models import User

        user = User.objects.get(pk=plans.listing[0].user_id)
        return {
            name: explain_search(specialization=specialization_id(name), user=user)
            for name in (fixtures.TYPICAL, fixtures.WORST_CASE)
        }

    def _locust(self, user_class: str, plan: dict[str, Any], url: str) -> Measurement:
        return run_locust(user_class, plan, config=self.config, host=url, workdir=self.workdir, log=self.log)

    def _scenario(self, name: str, plans: Plans, url: str, round_no: int) -> None:
        runners = {
            "bare": self._me,
            "me": self._me,
            "search": self._search,
            "fhir_search": self._fhir_search,
            "search_worst": self._search,
            "search_paced": self._search_paced,
            "search_worst_paced": self._search_paced,
            "appointments": self._appointments,
            "storm": self._storm,
            "hold": self._hold,
            "hot": self._hot,
            "pgbench": self._pgbench,
            "worker": self._worker,
        }
        self.round_no = round_no
        outcome = runners[name](name, plans, url)
        if outcome is None:
            print(f"  skipped: {PACED[name]} gave no rate to pace it by in this round", flush=True)
            self.report.check(self._round(f"{name}_ran"), ok=False)
            return
        for result in outcome if isinstance(outcome, list) else [outcome]:  # the worker scenario has two rows
            self._record(result)

    def _record(self, result: ScenarioResult) -> None:
        self.report.add(result)
        self.report.check(self._round(f"{result.name}_no_errors"), result.errors == 0)
        for note in result.notes:
            print(f"  note: {note}", flush=True)
        if report.is_throughput(result):
            print(f"  {result.title}: {result.rps:.1f}/s, {result.status_counts}", flush=True)
            return
        print(
            f"  {result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
            f"statuses {result.status_counts}",
            flush=True,
        )

    def _me(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        """``me``, and ``bare``: the same users and requests, sent to the app that does nothing."""
        bare = name == "bare"
        plan = {"users": plans.users(plans.listing, with_slots=False)}
        measurement = self._locust("MeUser", plan, self.bare_url if bare else url)
        return summarize(name, "bare WSGI app (ceiling)" if bare else "GET /me (baseline)", measurement, ok=OK_200)

    def _search(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        specialization, kind = SEARCHES[name]
        plan = {
            "users": plans.users(plans.listing, with_slots=False),
            "specialization": specialization_id(specialization),
        }
        return summarize(name, f"search, {kind}", self._locust("SearchUser", plan, url), ok=OK_200)

    def _fhir_search(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        """``search`` through FHIR (``GET /fhir/R4/Slot``): the same specialization, window and statement."""
        plan = {
            "users": plans.users(plans.listing, with_slots=False),
            "specialization": specialization_id(fixtures.TYPICAL),
        }
        return summarize(name, "FHIR Slot search, typical", self._locust("FHIRSearchUser", plan, url), ok=OK_200)

    def _search_paced(self, name: str, plans: Plans, url: str) -> ScenarioResult | None:
        config, closed = self.config, PACED[name]
        this_round = self.report.rounds.get(closed, [])[self.round_no : self.round_no + 1]
        rate = paced_rate(this_round[0] if this_round else None, load=config.paced_load, fixed=config.paced_rps)
        self.offered.setdefault(name, []).append(rate)
        if rate is None:
            return None
        specialization, kind = SEARCHES[closed]
        plan = {
            "users": plans.users(plans.listing, with_slots=False),
            "specialization": specialization_id(specialization),
            "rate_per_user": rate / config.users,
        }
        print(f"  offering {rate:.1f} searches/s", flush=True)
        # A fixed title, so that results files compare; the rates offered are in the JSON's "paced".
        pace = f"{config.paced_rps:g}/s" if config.paced_rps else f"{config.paced_load:.0%} load"
        title = f"search, {kind}, paced ({pace})"
        return summarize(name, title, self._locust("PacedSearchUser", plan, url), ok=OK_200)

    def _appointments(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        plan = {"users": plans.users(plans.listing, with_slots=False)}
        title = f"own appointments ({self.config.list_appointments} each)"
        return summarize(name, title, self._locust("AppointmentListUser", plan, url), ok=OK_200)

    def _storm(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        lanes = plans.storm[self.round_no]
        plan = {"users": plans.users(lanes, with_slots=True)}
        result = summarize(name, "booking storm", self._locust("BookingStormUser", plan, url), ok=OK_201)
        booked = fixtures.appointments_of([lane.patient_id for lane in lanes])
        self.report.check(self._round("storm_bookings_match_201s"), booked == result.ok)
        self._invariants(name)
        return result

    def _hold(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        """Hold + confirm: every hold confirmed, so as many appointments as 201s, all of them scheduled."""
        lanes = plans.hold[self.round_no]
        plan = {"users": plans.users(lanes, with_slots=True)}
        measurement = self._locust("HoldConfirmUser", plan, url)
        result = summarize(name, "hold + confirm", measurement, ok=OK_HOLD_CONFIRM)
        patients = [lane.patient_id for lane in lanes]
        holds = sum(1 for s in measurement.samples if s.status == 201)
        confirms = sum(1 for s in measurement.samples if s.status == 200)
        made, scheduled = fixtures.appointments_of(patients), fixtures.scheduled_appointments_of(patients)
        self.report.check(self._round("hold_appointments_match_201s"), made == holds)
        self.report.check(self._round("hold_every_hold_confirmed"), scheduled == confirms == holds)
        self._invariants(name)
        return result

    def _hot(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        slots = plans.hot[self.round_no].slot_ids
        users = [{"token": plans.tokens[user_id], "slots": slots} for _, user_id in plans.hot_patients[self.round_no]]
        measurement = self._locust("HotSlotUser", {"users": users}, url)
        result = summarize(name, f"hot slots ({len(slots)})", measurement, ok=OK_201, conflicts_expected=True)
        live = fixtures.live_appointments(slots)
        exactly = result.ok == len(slots) and live == len(slots)
        self.report.check(self._round("hot_slots_booked_exactly"), exactly)
        self._invariants(name)
        return result

    def _pgbench(self, name: str, plans: Plans, url: str) -> ScenarioResult:
        config = self.config
        measurement = pgbench.run_pgbench(
            database_url=config.database_url,
            clients=config.users,
            duration=config.duration,
            warmup=config.warmup,
            log=self.log,
            round_no=self.round_no,
        )
        self.report.check(self._round("pgbench_completed"), not measurement.notes)
        self._invariants(name)
        return summarize(name, "pgbench booking SQL", measurement, ok=OK_201)

    def _worker(self, name: str, plans: Plans, url: str) -> list[ScenarioResult]:
        """The background worker's throughput, 1 then 2 processes (bench/worker.py); each sent exactly once."""
        results = worker.run(plans.worker[self.round_no], env=self.env, log=self.log)
        for result in results:
            self.report.check(self._round(f"{result.name}_sent_each_once"), result.unexpected == 0 and result.ok > 0)
        return results

    def _round(self, check: str) -> str:
        """A check's name, with the round's number when there are several rounds."""
        return check if self.config.rounds == 1 else f"{check}_round_{self.round_no + 1}"

    def _invariants(self, after: str) -> None:
        found = fixtures.violations()
        self.report.invariants[self._round(f"after_{after}")] = found
        self.report.check(self._round(f"invariants_after_{after}"), not any(found.values()))

    def _meta(self, facts: dict[str, int]) -> dict[str, Any]:
        config = self.config
        return {
            "finished_at": datetime.now(UTC).isoformat(),
            "machine": {
                "cores": multiprocessing.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "database": {"name": config.database_name, **facts},
            "gunicorn": {
                "workers": config.workers,
                "config": "gunicorn.conf.py",
                "worker_class": self.env.get("GUNICORN_WORKER_CLASS", "sync"),
            },
            "load": {
                "users": config.users,
                "duration_s": config.duration,
                "warmup_s": config.warmup,
                "scenarios": list(config.scenarios),
                "rounds": config.rounds,
            },
            "paced": {"load": config.paced_load, "fixed_rps": config.paced_rps, "offered_rps": self.offered},
            "logs": str(self.workdir),
        }
