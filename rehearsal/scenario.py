"""The first deploy and the first scheduled ticks of an environment, rehearsed offline.

The steps follow the runbook (docs/deploy.md): deploy, the first tick of a fresh
project, the preflight, upload, backfill, the first tick with an extract, status; then a
re-delivered extract: noticed by the tick and the status, replayed by a batch. Each
component runs as it is shipped and as the identity that runs it in the cloud,
every Google API call it makes going through that identity's recording proxy:

- deploy: the archives are built and the stacks synthesized exactly as
  `make deploy` does (infra/main.py, with the infra venv); the stack's buckets,
  datasets, tables and code objects are created in the emulators (deploy.py);
- the function: its archive from the artifacts bucket, installed from its own
  requirements.txt into an empty environment, served by functions-framework
  with the stack's environment variables (function.py), ticked over HTTP by
  "Cloud Scheduler";
- the batches: each request the Dataproc stand-in received is run with
  spark-submit in the runtime-3.0 environment (batch.py);
- `make preflight`, `make upload`, `make backfill`, `make status`, `make replay`: the
  command line, as an operator; the preflight (also the first thing a backfill and a
  replay do) reads the regional quotas from the Cloud Quotas stand-in (quotas.py).

Every step adds checks; the IAM contract and the APIs are checked last
(iam_contract.py). `run` returns the result; __main__ prints it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from google.cloud import dataproc_v1

from functions import contract as http_contract
from infra.naming import EnvNames
from jobs import config, staging
from rehearsal import batch, deploy, emulators, function, iam_contract
from rehearsal.dataproc import DataprocStandIn
from rehearsal.quotas import QuotasStandIn
from rehearsal.recorder import Proxy, Recorder
from rehearsal.stack import Stack

INFRA_VENV = config.REPO_ROOT / ".venv-infra"
SCHEDULER_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "Google-Cloud-Scheduler",
    "Authorization": "Bearer rehearsal-oidc-token",  # Cloud Run checks it before the code runs
}
SCHEDULER_BODY = json.dumps(http_contract.SCHEDULER_BODY).encode()
SERVICE_ACCOUNT = dataproc_v1.AuthenticationConfig.AuthenticationType.SERVICE_ACCOUNT
DAYS = 3  # extracts landed: two are backfilled, the first tick with data takes the third
SCALE = 0.05


@dataclass
class Check:
    step: str
    ok: bool
    detail: str


@dataclass
class Result:
    env: str
    checks: list[Check] = field(default_factory=list)
    contract: iam_contract.Result | None = None
    calls: Recorder = field(default_factory=Recorder)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and self.contract is not None and self.contract.ok


class Rehearsal:
    """One rehearsal of environment `env`, from the tree at `root`, working in `work`."""

    def __init__(self, env: str, root: Path, work: Path, java: str):
        self.env, self.root, self.work, self.java = env, root, work, java
        self.settings = config.load(env, env_dir=root / "env")
        self.names = EnvNames(self.settings)
        self.result = Result(env)
        self.first = self.settings.processing.start
        self.days = [self.first + dt.timedelta(days=i) for i in range(DAYS)]

    # --- the checks -------------------------------------------------------------------

    def check(self, step: str, ok: bool, detail: str) -> bool:
        self.result.checks.append(Check(step, bool(ok), detail))
        return bool(ok)

    def expect(self, step: str, got, want) -> bool:
        return self.check(
            step, got == want, f"{got!r}" + ("" if got == want else f", not {want!r}")
        )

    # --- the whole rehearsal ----------------------------------------------------------

    def run(self) -> Result:
        started = time.monotonic()
        try:
            with contextlib.ExitStack() as stack:
                self._run(stack)
        except Exception as exc:  # the report says where it stopped, and why
            self.check("stopped", False, f"{type(exc).__name__}: {exc}")
        finally:
            self.result.seconds = time.monotonic() - started
        return self.result

    def _run(self, stack: contextlib.ExitStack) -> None:
        out = synthesize(self.root, self.env, self.work / "out", self.work / "dist")
        env_stack = Stack.load(out / "stacks" / self.names.stack / "cdk.tf.json")
        boot = Stack.load(out / "stacks" / self.names.bootstrap_stack / "cdk.tf.json")
        running = stack.enter_context(
            emulators.running(self.work / "emulators", self.settings.gcp.project)
        )
        self.emulators = running
        self.deployment = deploy.apply(env_stack, boot, *self._clients(running))
        problems = deploy.built_as_packaged(
            self.deployment, self.work / "dist" / self.env / "manifest.json"
        )
        self.check(
            "deploy",
            not problems,
            "; ".join(problems) or "the code objects are the archives packaging built",
        )
        self.dataproc = stack.enter_context(DataprocStandIn().serving())
        self.quotas = stack.enter_context(QuotasStandIn().serving())
        self.proxies = {
            who: stack.enter_context(proxy.serving())
            for who, proxy in self._proxies(running).items()
        }
        if not self._start_function(stack):
            return
        self.tick_expecting(
            "first tick, fresh project",
            200,
            {"status": "waiting", "business_date": str(self.first)},
        )
        self.preflight()
        self.land_and_upload()
        self.backfill()
        self.first_tick_with_data()
        self.hostile_requests()
        self.status()
        self.warehouse_after()
        self.correction()
        self.result.contract = iam_contract.check(
            self.result.calls.calls, env_stack, boot, self.names,
            declared=iam_contract.Declared.load(),
        )  # fmt: skip

    # --- deploy -----------------------------------------------------------------------

    def _clients(self, running):
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery, storage

        project = self.settings.gcp.project
        storage_client = storage.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": running.storage_host},
        )
        bigquery_client = bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=running.bigquery_host),
        )
        self.bigquery = bigquery_client
        return storage_client, bigquery_client

    def _proxies(self, running) -> dict[str, Proxy]:
        recorder = self.result.calls
        upstreams = {
            "bigquery": running.bigquery_host,
            "storage": running.storage_host,
            "dataproc": self.dataproc.endpoint,
            "cloudquotas": self.quotas.endpoint,
        }
        exists = lambda bucket, name: (running.storage_root / bucket / name).is_file()  # noqa: E731
        return {
            who: Proxy(who, who, upstreams, recorder, exists)
            for who in ("function", "runner", "operator")
        }

    # --- the function -----------------------------------------------------------------

    def _start_function(self, stack: contextlib.ExitStack) -> bool:
        installed = function.install(self.deployment.function_source, self.work)
        self.check(
            "function: installed from its requirements.txt alone",
            not installed.problems,
            "; ".join(installed.problems) or f"{installed.folder} on {installed.python}",
        )
        via = self.proxies["function"].url
        environment = {
            **self.deployment.function_environment,
            "BIGQUERY_EMULATOR_HOST": via,
            "STORAGE_EMULATOR_HOST": via,
            "DATAPROC_API_ENDPOINT": via,
        }
        log = (self.work / "function.log").open("w", encoding="utf-8")
        stack.callback(log.close)
        try:
            url = stack.enter_context(function.serve(installed, environment, log))
        except RuntimeError as exc:
            return self.check("function: serves", False, f"{exc}; see {log.name}")
        scheduler = Proxy(
            "scheduler", "Cloud Scheduler", {"run": url.rstrip("/")}, self.result.calls,
            run_service=self.deployment.function_service,
        )  # fmt: skip
        self.function_url = stack.enter_context(scheduler.serving()).url + "/"
        return self.check("function: serves", True, f"functions-framework, target tick, at {url}")

    def tick(self, body: bytes | None = SCHEDULER_BODY, method: str = "POST") -> tuple[int, dict]:
        request = urllib.request.Request(
            self.function_url, data=body, headers=SCHEDULER_HEADERS, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=180) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def tick_expecting(self, step: str, code: int, reply: dict) -> dict:
        got = self.tick()
        self.expect(step, got, (code, reply))
        return got[1]

    # --- preflight, data, upload, backfill --------------------------------------------

    def preflight(self) -> None:
        """`make preflight`: the quotas read as the operator, and the line naming the most
        vCPUs a batch can request (the backfill's batch is checked against it)."""
        code, output = self.operator("make preflight", ["preflight"])
        cpus = f"CPUS in {self.settings.gcp.region} "
        line = next((line for line in output.splitlines() if cpus in line), "")
        need = re.search(r"batch can request (\d+) ", line)
        self.preflight_cpus = int(need[1]) if need else None
        self.check(
            "make preflight: the quotas hold the largest batch",
            code == 0 and need is not None,
            line.removeprefix("preflight: ") or output.strip()[-500:],
        )

    def land_and_upload(self) -> None:
        from generator import generate

        local = config.load("local", env_dir=self.root / "env")
        simulated = dataclasses.replace(local, processing=self.settings.processing)
        landing = self.work / "landing"
        generate(simulated, landing, start=self.days[0], end=self.days[-1], scale=SCALE)
        code, output = self.operator("make upload", ["upload", "--source", str(landing)])
        self.check("make upload", code == 0, output.strip().splitlines()[-1] if output else "")

    def backfill(self) -> None:
        first, last = self.days[0], self.days[-2]
        code, _ = self.operator(
            "make backfill", ["backfill", "--from", str(first), "--to", str(last)]
        )
        ident = f"tickets-{self.env}-backfill-{first:%Y%m%d}-{last:%Y%m%d}-a1"
        self.expect(
            "make backfill: submits one batch", (code, self.dataproc.created_ids), (0, [ident])
        )
        self.check_batch(
            ident, ["--env", self.env, "backfill", "--from", str(first), "--to", str(last)]
        )
        self.check_preflight_of("make backfill", ident)
        self.run_batch(ident)

    def check_preflight_of(self, component: str, ident: str) -> None:
        """The command read both quotas before it submitted its batch, and that batch can
        request exactly the vCPUs the preflight named."""
        calls = [c for c in self.result.calls.of("operator") if c.component == component]
        submitted = next(
            (i for i, c in enumerate(calls) if c.service == "dataproc" and c.method == "POST"),
            len(calls),
        )
        read = sorted(
            c.path.rsplit("/", 1)[-1]
            for c in calls[:submitted]
            if c.service == "cloudquotas" and c.status == 200
        )
        want = ["CPUS-per-project-region", "DISKS-TOTAL-GB-per-project-region"]
        self.expect(f"{component}: reads the quotas before it submits", read, want)
        got = self.dataproc.batch(ident).runtime_config.properties
        driver, executors, cores = (
            int(got[f"spark.{key}"])
            for key in ("driver.cores", "dynamicAllocation.maxExecutors", "executor.cores")
        )
        self.expect(
            f"{component}: the batch's most vCPUs are the preflight's",
            driver + executors * cores,
            self.preflight_cpus,
        )

    def operator(self, component: str, args: list[str]) -> tuple[int, str]:
        """`python -m workstation <args>` (what `make <args> ENV=...` runs), as an operator."""
        proxy = self.proxies["operator"]
        proxy.component = component
        stack_env = self.deployment.function_environment  # the deployed code's URIs, account
        env = {
            **_clean_env(),
            "PYTHONPATH": str(self.root),
            "STORAGE_EMULATOR_HOST": proxy.url,
            "BIGQUERY_EMULATOR_HOST": proxy.url,
            "DATAPROC_API_ENDPOINT": proxy.url,
            "CLOUD_QUOTAS_API_ENDPOINT": proxy.url,
            **{k: stack_env[k] for k in ("JOB_ENTRYPOINT_URI", "JOB_ARCHIVE_URI", "JOB_DEPS_URI",
                                         "RUNNER_SERVICE_ACCOUNT", "SUBNETWORK_URI")},
        }  # fmt: skip
        proc = subprocess.run(
            [sys.executable, "-m", "workstation", "--env", self.env, *args],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        log = self.work / f"{component.replace(' ', '-')}.log"
        log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
        return proc.returncode, proc.stdout if proc.returncode == 0 else proc.stderr

    # --- batches ----------------------------------------------------------------------

    def check_batch(self, ident: str, args: list[str]) -> None:
        """The request as the platform receives it: code, identity, runtime, network, labels."""
        env = self.deployment.function_environment
        got = self.dataproc.batch(ident)
        execution = got.environment_config.execution_config
        auth = execution.authentication_config.user_workload_authentication_type
        seen = {
            "args": list(got.pyspark_batch.args),
            "main": got.pyspark_batch.main_python_file_uri,
            "files": list(got.pyspark_batch.python_file_uris),
            "runtime": got.runtime_config.version,
            "account": execution.service_account,
            "authentication": auth.name,
            "subnetwork": execution.subnetwork_uri,
            "labels": dict(got.labels),
        }
        want = {
            "args": args,
            "main": env["JOB_ENTRYPOINT_URI"],
            "files": [env["JOB_ARCHIVE_URI"], env["JOB_DEPS_URI"]],
            "runtime": self.settings.gcp.dataproc_runtime,
            "account": self.names.email("runner"),
            "authentication": SERVICE_ACCOUNT.name,
            "subnetwork": self.names.subnetwork_uri,
            "labels": self.deployment.labels,
        }
        wrong = "; ".join(f"{k} {seen[k]!r}, not {want[k]!r}" for k in want if seen[k] != want[k])
        fine = f"runs as {seen['account']} ({seen['authentication']}), runtime {seen['runtime']}"
        self.check(f"batch {ident}: the request", not wrong, wrong or fine)

    def run_batch(self, ident: str) -> None:
        """Run a submitted batch as Dataproc would, and record how it ended."""
        request = self.dataproc.batch(ident)
        code = self._fetch_code(request)
        landing = self.settings.gcp.landing_bucket
        runner = self.proxies["runner"]
        runner.component = "batch"
        # The run's staging (jobs/staging.py) in the staging bucket, through the same mount
        # as the extracts.
        staging_folder = batch.staging_mount(self.emulators.storage_root, self.settings)
        job = batch.submission(
            request,
            code,
            {landing: self.emulators.storage_root / landing, **staging_folder},
            {**batch.runtime_environment(self.java),
             "BIGQUERY_EMULATOR_HOST": runner.url, "STORAGE_EMULATOR_HOST": runner.url},
        )  # fmt: skip
        log = self.work / f"{ident}.log"
        started = time.monotonic()
        exit_code = batch.run(job, self.work / "batches" / ident, log)
        self.dataproc.set_state(ident, "SUCCEEDED" if exit_code == 0 else "FAILED")
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        said = [
            line for line in lines if line.startswith(("backfill: ", "daily: ", "replay: "))
        ] or lines[-3:]
        self.check(
            f"batch {ident}: spark-submit on runtime 3.0",
            exit_code == 0,
            f"exit {exit_code} in {time.monotonic() - started:.0f} s: " + " | ".join(said)[-600:],
        )
        root = staging.root_for(self.settings)
        run_staging = self.emulators.storage_root / root.removeprefix("gs://")
        left = sorted(p.name for p in run_staging.iterdir())
        self.expect(f"batch {ident}: its staging in {root} removed", left, [])

    def _fetch_code(self, request: dataproc_v1.Batch) -> dict[str, Path]:
        """The batch's code, fetched from the artifacts bucket as the runner (Dataproc does)."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        runner = self.proxies["runner"]
        runner.component = "Dataproc (fetches the batch's code)"
        client = storage.Client(
            project=self.settings.gcp.project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": runner.url},
        )
        folder = self.work / "code"
        folder.mkdir(exist_ok=True)
        code = {}
        pyspark = request.pyspark_batch
        for uri in [pyspark.main_python_file_uri, *pyspark.python_file_uris]:
            bucket, name = uri.removeprefix("gs://").split("/", 1)
            path = folder / name.rsplit("/", 1)[-1]
            client.bucket(bucket).blob(name).download_to_filename(str(path))
            code[uri] = path
        return code

    # --- the ticks --------------------------------------------------------------------

    def first_tick_with_data(self) -> None:
        day = self.days[-1]
        ident = f"tickets-{self.env}-{day:%Y%m%d}-a1"
        self.tick_expecting(
            "tick: submits the next day",
            200,
            {"status": "submitted", "business_date": str(day), "batch_id": ident},
        )
        code, again = self.tick()  # Cloud Scheduler delivers at least once
        self.expect(
            "tick again: idempotent",
            (code, again.get("status"), again.get("batch_id"), self.dataproc.created_ids[-1:]),
            (200, "already_submitted", ident, [ident]),
        )
        self.check_batch(ident, ["--env", self.env, "daily", "--day", str(day)])
        self.run_batch(ident)
        self.tick_expecting(
            "tick: waits for the next extract",
            200,
            {"status": "waiting", "business_date": str(day + dt.timedelta(days=1))},
        )

    def hostile_requests(self) -> None:
        """Requests outside the HTTP contract: 4xx naming the problem, nothing started."""
        before = len(self.dataproc.creates)
        cases = [
            ("PUT", b"{}", 405),
            ("DELETE", None, 405),
            ("PATCH", b"{}", 405),
            ("POST", b'{"day": "2025-11-15"}', 400),
            ("POST", b"[" * 5000 + b"]" * 5000, 400),
            ("POST", b"not json", 400),
        ]
        got = [(m, self.tick(body, m)[0]) for m, body, _ in cases]
        self.expect("hostile requests: 4xx", got, [(m, code) for m, _, code in cases])
        self.expect(
            "hostile requests: batch requests before/after", len(self.dataproc.creates), before
        )

    # --- status and the warehouse -----------------------------------------------------

    def status(self) -> None:
        code, output = self.operator("make status", ["status"])
        last = self.days[-1]
        line = f"processed {len(self.days)} day(s), last {last}"
        self.check(
            "make status",
            code == 0 and line in " ".join(output.split()),
            line if code == 0 else output[-500:],
        )

    def warehouse_after(self) -> None:
        dataset = f"{self.settings.gcp.project}.{self.settings.gcp.dataset}"
        rows = self.bigquery.query(
            f"SELECT business_date, status, mode, batch_id FROM `{dataset}.ingestion_state` "
            "WHERE status = 'succeeded' ORDER BY business_date"
        ).result()
        got = [(r.business_date, r.mode, r.batch_id) for r in rows]
        backfill = f"tickets-{self.env}-backfill-{self.days[0]:%Y%m%d}-{self.days[-2]:%Y%m%d}-a1"
        want = [(d, "backfill", backfill) for d in self.days[:-1]] + [
            (self.days[-1], "daily", f"tickets-{self.env}-{self.days[-1]:%Y%m%d}-a1")
        ]
        self.expect("warehouse: the days committed by their batches", got, want)

    # --- a re-delivered extract -------------------------------------------------------

    def correction(self) -> None:
        """Day 2's file is delivered again, one record shorter: the tick warns and starts
        nothing, the status names the replay, and `make replay FROM=day 2` recomputes the
        day and the one after it in one batch."""
        day, last = self.days[1], self.days[-1]
        path = self.work / "landing" / "tickets" / f"dt={day}" / f"tickets_{day}.csv"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: text.rstrip("\n").rfind("\n") + 1], encoding="utf-8")
        code, output = self.operator("make upload", ["upload", "--source", str(path.parents[2])])
        said = output.strip().splitlines()[-1] if output else ""
        self.check("re-delivery: make upload sends the one changed file", code == 0 and
                   "1 uploaded" in said, said)  # fmt: skip
        self.tick_expecting(
            "re-delivery: the tick warns and starts nothing",
            200,
            {
                "status": "waiting",
                "business_date": str(last + dt.timedelta(days=1)),
                "changed_days": [str(day)],
            },
        )
        code, output = self.operator("make status", ["status"])
        self.check(
            "re-delivery: make status names the replay",
            code == 0 and f"make replay FROM={day}" in output,
            f"make replay FROM={day}" if code == 0 else output[-500:],
        )
        before = len(self.dataproc.created_ids)
        code, output = self.operator("make replay", ["replay", "--from", str(day)])
        created = self.dataproc.created_ids[before:]
        self.check(
            "make replay: submits one batch",
            code == 0
            and len(created) == 1
            and created[0].startswith(f"tickets-{self.env}-replay-"),
            output.strip()[-300:],
        )
        if len(created) != 1:
            return
        self.check_batch(created[0], ["--env", self.env, "replay", "--from", str(day)])
        self.check_preflight_of("make replay", created[0])
        self.run_batch(created[0])
        code, reply = self.tick()
        self.expect(
            "after the replay: nothing flagged", (code, "changed_days" in reply), (200, False)
        )
        dataset = f"{self.settings.gcp.project}.{self.settings.gcp.dataset}"
        rows = self.bigquery.query(
            f"SELECT business_date, batch_id FROM `{dataset}.ingestion_state` "
            "WHERE mode = 'replay' AND status = 'succeeded' ORDER BY business_date"
        ).result()
        self.expect(
            "warehouse: the replay committed the day and the one after it",
            [(r.business_date, r.batch_id) for r in rows],
            [(day, created[0]), (last, created[0])],
        )


def synthesize(root: Path, env: str, out: Path, dist: Path) -> Path:
    """Package and synthesize the tree at `root` as `make deploy` does (infra/main.py, with
    the infra venv); returns the folder holding stacks/<stack>/cdk.tf.json."""
    proc = subprocess.run(
        [str(INFRA_VENV / "bin" / "python"), str(root / "infra" / "main.py"),
         "--env", env, "--outdir", str(out), "--dist", str(dist), "--quiet"],
        cwd=root,
        env={**_clean_env(), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
             "PATH": f"{INFRA_VENV / 'bin'}:{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"synth failed:\n{proc.stderr[-3000:]}")
    return out


def _clean_env() -> dict[str, str]:
    """This process's environment without this repository's or the emulators' settings."""
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "TICKETS_", "STORAGE_EMULATOR_HOST",
               "BIGQUERY_EMULATOR_HOST", "DATAPROC_API_ENDPOINT", "CLOUD_QUOTAS_API_ENDPOINT",
               "JOB_")  # fmt: skip
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
