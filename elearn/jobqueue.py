"""The job queue: Huey, one instance per app (no module-global queue).

Huey was chosen because one code path covers both deployments: `SqliteHuey` (a file in the
instance folder, no extra server, the embedded default for `make run`) and `RedisHuey` when
ELEARN_REDIS_URL is set (production, shared by every app host). It brings retries with
backoff, a scheduler and periodic tasks, and a consumer that runs in its own process
(`flask elearn worker`) or, embedded, as threads. The message carries only the job id; the
`jobs` table (services/jobs.py) is the record, so a lost or duplicated message is harmless.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, timezone
from typing import Any, Callable

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

QUEUE_NAME = "elearn"


@dataclass(frozen=True)
class JobRunner:
    """The work the queue triggers, handed in by the app (`services.job_handlers.runner`):
    the services own jobs and enqueue through this module, so it must not import them."""

    run: Callable[[int, int], None]
    """Run one job: (job id, retries left)."""
    housekeeping: Callable[[], object]
    requeue_orphans: Callable[[], object]


class JobQueue:
    """The app's Huey instance and its tasks, built on first use (creating an app, e.g. for
    `flask db upgrade`, touches no queue file or Redis server)."""

    def __init__(self, app: Flask, runner: JobRunner) -> None:
        self.app = app
        self.runner = runner
        self._huey: Huey | None = None
        self._run_job: TaskWrapper | None = None
        self._lock = threading.Lock()
        # Periodic work a built-in feature adds (reminders): (name, function, crontab).
        self.periodic: list[tuple[str, Callable[[], None], dict[str, str]]] = []
        # Further tasks a feature adds (outbox deliveries): name -> (function, huey options).
        self.tasks: dict[str, tuple[Callable[..., None], dict[str, Any]]] = {}
        self._wrappers: dict[str, TaskWrapper] = {}

    def every(self, name: str, function: Callable[[], None], **when: str) -> None:
        """Run `function` in an app context on a schedule (crontab fields, UTC). Register at
        start-up, before the queue is first used."""
        self.periodic.append((name, function, when))

    def task(self, name: str, function: Callable[..., None], **options: Any) -> None:
        """A task run in an app context as `function(*args, retries_left=n)`; `options` are
        Huey's (retries, retry_delay). Register at start-up, before the queue is first used."""
        self.tasks[name] = (function, options)

    def call(self, name: str, *args: Any, eta: datetime | None = None) -> None:
        """Put one call of a registered task on the queue (at `eta`, naive UTC, if given)."""
        self.huey
        wrapper = self._wrappers[name]
        if eta is None:
            wrapper(*args)
        else:
            # Huey reads a naive eta as local time; ours are naive UTC.
            wrapper.schedule(args, eta=eta.replace(tzinfo=timezone.utc))

    @property
    def huey(self) -> Huey:
        with self._lock:
            if self._huey is None:
                self._huey, self._run_job = _build(self.app, self.runner, self.periodic)
                for name, (function, options) in self.tasks.items():
                    self._wrappers[name] = _add_task(self.app, self._huey, name, function,
                                                     options)
        return self._huey

    @property
    def run_job(self) -> TaskWrapper:
        self.huey
        return self._run_job


def _build(app: Flask, runner: JobRunner,
           periodic: list[tuple[str, Callable[[], None], dict[str, str]]] = ()
           ) -> tuple[Huey, TaskWrapper]:
    config = app.config
    if config.get("REDIS_URL"):
        huey: Huey = RedisHuey(QUEUE_NAME, url=config["REDIS_URL"])
    else:
        path = config.get("JOBS_QUEUE_FILE") or str(Path(app.instance_path) / "jobs-queue.sqlite3")
        huey = SqliteHuey(QUEUE_NAME, filename=path)

    def run_job(job_id: int, task=None) -> None:
        with app.app_context():
            runner.run(job_id, task.retries if task is not None else 0)

    def housekeeping() -> None:
        with app.app_context():
            runner.housekeeping()

    task = huey.task(retries=config["JOBS_RETRIES"], retry_delay=config["JOBS_RETRY_DELAY"],
                     retry_backoff=2, context=True, name="elearn.run_job")(run_job)
    huey.periodic_task(crontab(minute="*"), name="elearn.housekeeping")(housekeeping)
    for name, function, when in periodic:
        def scheduled(function=function) -> None:
            with app.app_context():
                function()
        huey.periodic_task(crontab(**when), name=name)(scheduled)
    return huey, task


def _add_task(app: Flask, huey: Huey, name: str, function: Callable[..., None],
              options: dict[str, Any]) -> TaskWrapper:
    def run(*args: Any, task=None) -> None:
        with app.app_context():
            function(*args, retries_left=task.retries if task is not None else 0)

    return huey.task(context=True, name=name, retry_backoff=2, **options)(run)


def init_app(app: Flask, runner: JobRunner) -> None:
    app.extensions["elearn.jobqueue"] = JobQueue(app, runner)


def queue(app: Flask | None = None) -> JobQueue:
    return (app or current_app).extensions["elearn.jobqueue"]


def enqueue(job_id: int) -> None:
    queue().run_job(job_id)


class _ThreadConsumer(Consumer):
    """Huey's consumer without signal handlers, which only the main thread may install."""

    def _set_signal_handlers(self) -> None:
        pass


def make_consumer(app: Flask, workers: int = 1, *, in_thread: bool = False) -> Consumer:
    cls = _ThreadConsumer if in_thread else Consumer
    return cls(queue(app).huey, workers=workers, worker_type="thread", periodic=True,
               scheduler_interval=1, check_worker_health=not in_thread)


class EmbeddedWorker:
    """A consumer running as threads of this process (tests, and the CLI's waiting import)."""

    def __init__(self, app: Flask, workers: int = 1) -> None:
        self.app = app
        self.consumer = make_consumer(app, workers, in_thread=True)

    def __enter__(self) -> "EmbeddedWorker":
        with self.app.app_context():
            queue(self.app).runner.requeue_orphans()
        self.consumer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.consumer.stop(graceful=True)
