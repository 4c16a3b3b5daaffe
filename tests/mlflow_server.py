"""A real MLflow tracking server for the tests, and what the tests put in it.

`mlflow server` on 127.0.0.1 with a SQLite backend, a local artifact folder and MLflow's basic-auth
app (so credentials and permission refusals are real too). `populate` runs in a child process and
fills it through MLflow's own Python client: experiments, runs with parameters, metrics, tags and a
dataset input, a small scikit-learn model registered in several versions with aliases, and a version
registered without a run. Changes the tests make later go through MLflow's REST API (`rest`).

    python tests/mlflow_server.py populate URL    # prints what it made, as JSON
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

ADMIN = ("admin", "admin-password-1234")
READER = ("reader", "reader-password-1234")  # may read everything but `restricted-model`
GIT_COMMIT = "3f2a9c1e0b7d4a6f8e5c2b1a0d9e8f7a6b5c4d3e"
QUIET = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PYTHONWARNINGS": "ignore",
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",  # no job runner and task consumers: the tests need none
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class MlflowServer:
    url: str
    root: Path
    process: subprocess.Popen[bytes]
    made: dict[str, Any]  # what `populate` made: run ids, versions

    def rest(self, method: str, endpoint: str, body: dict[str, Any], auth: tuple[str, str] = ADMIN) -> dict[str, Any]:
        """One call to MLflow's REST API as the admin, for changes the tests make after populating."""
        response = requests.request(
            method,
            f"{self.url}/api/2.0/mlflow/{endpoint}",
            json=body if method != "GET" else None,
            params=body if method == "GET" else None,
            auth=auth,
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def env(self, credentials: tuple[str, str] = ADMIN, **extra: str) -> dict[str, str]:
        """The environment a CLI run needs to read this server as `credentials`."""
        return {
            "MLFLOW_TRACKING_USERNAME": credentials[0],
            "MLFLOW_TRACKING_PASSWORD": credentials[1],
            "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0.05",
            "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0",
            **extra,
        }


@contextmanager
def running_server(root: Path, *, auth: bool = True) -> Iterator[MlflowServer]:
    """Start the server, wait until /health answers, populate it; stop its process group afterwards.
    Without `auth`, no basic-auth app (it checks a password hash on every request: slow, for benchmarks)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (root / "server.log").open("wb")
    env = {
        **os.environ,
        **QUIET,
        "MLFLOW_AUTH_ADMIN_PASSWORD": ADMIN[1],
        "MLFLOW_FLASK_SERVER_SECRET_KEY": "tests-only-secret",
    }
    options = {
        "--backend-store-uri": f"sqlite:///{root / 'mlflow.db'}",
        "--default-artifact-root": str(root / "artifacts"),
        "--host": "127.0.0.1",
        "--port": str(port),
        "--workers": "1",
        **({"--app-name": "basic-auth"} if auth else {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", *(part for pair in options.items() for part in pair)],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its workers and job runner share one process group, stopped together
    )
    try:
        _wait_for_health(url, process, root / "server.log")
        server = MlflowServer(url, root, process, {})
        server.made = _populate(url, root, auth)
        yield server
    finally:
        _stop(process)
        log.close()


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or too busy starting to answer
        time.sleep(0.3)
    raise RuntimeError(f"mlflow server did not answer /health in {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, then SIGKILL to whatever of it is left."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 20)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


def _populate(url: str, root: Path, auth: bool) -> dict[str, Any]:
    env = {
        **os.environ,
        **QUIET,
        "MLFLOW_TRACKING_USERNAME": ADMIN[0],
        "MLFLOW_TRACKING_PASSWORD": ADMIN[1],
        "GIT_PYTHON_REFRESH": "quiet",
    }
    done = subprocess.run(
        [sys.executable, __file__, "populate", url, str(root), "auth" if auth else "open"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"populating MLflow failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- a fault-injecting proxy: the real server behind it, some answers replaced by errors ---------------------------
class FaultyProxy:
    """Forwards to the real server; the first `failures` requests to a path containing `match` get `status`."""

    def __init__(self, target: str, *, match: str, failures: int, status: int = 503) -> None:
        self.target, self.match, self.failures, self.status = target, match, failures, status
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                proxy.seen.append(f"{self.command} {self.path}")
                if proxy.match in self.path and proxy.failures > 0:
                    proxy.failures -= 1
                    self.send_response(proxy.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = requests.request(
                    self.command, proxy.target + self.path, data=body, headers=headers, timeout=60
                )
                self.send_response(upstream.status_code)
                for key in ("Content-Type",):
                    if key in upstream.headers:
                        self.send_header(key, upstream.headers[key])
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            do_GET = do_POST = do_PATCH = do_DELETE = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# ---- what `populate` puts in the server (runs in a child process: the mlflow package stays out of pytest) ---------
def populate(url: str, root: Path, auth: bool) -> dict[str, Any]:
    import mlflow
    import mlflow.utils.environment
    import numpy as np
    from mlflow import MlflowClient
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    # Each log_model compares the model's requirements with the files of every installed package (tens of
    # seconds on a busy machine); these models are never loaded anywhere else, so that warning is skipped.
    mlflow.utils.environment.warn_dependency_requirement_mismatches = lambda requirements: None
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    features = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.5, 0.2], [0.1, 0.9]])
    labels = np.array([0, 1, 1, 0, 1, 0])
    made: dict[str, Any] = {"runs": {}}

    mlflow.set_experiment("churn")
    logged = []
    for index in range(2):
        with mlflow.start_run(run_name=f"churn-lr-{index}") as run:
            mlflow.log_params({"C": 1.0 / (index + 1), "max_iter": 200, "solver": "lbfgs"})
            mlflow.log_metric("auc", 0.70, step=0)  # an earlier value: the latest one counts
            mlflow.log_metrics({"auc": 0.81 + index / 100, "f1": 0.74 + index / 100, "log_loss": 0.41}, step=1)
            mlflow.set_tags({"mlflow.source.git.commit": GIT_COMMIT, "mlops.issue": f"acme/ml-platform#{index + 1}"})
            dataset = mlflow.data.from_numpy(
                features, source="https://data.acme.example/churn/2026-10.parquet", name="churn-2026-10"
            )
            mlflow.log_input(dataset, context="training")
            model = LogisticRegression(C=1.0 / (index + 1)).fit(features, labels)
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                signature=infer_signature(features, model.predict(features)),
                pip_requirements=["scikit-learn"],
                serialization_format="cloudpickle",  # skops would be imported for it: seconds for nothing here
            )
            logged.append((run.info.run_id, info.model_uri))
            made["runs"][f"churn-{index}"] = {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id}

    # Each model gets two versions (one per run) registered from the logged models: no retraining needed.
    models = {
        "churn-classifier": {"owner": "retention-ml"},
        "Fraud Detector": {},  # its registry name is fraud-detector
        "ticket-router": {},
        "search-ranker": {},
        "restricted-model": {},
    }
    for name, tags in models.items():
        client.create_registered_model(name, tags={f"mlops.{k}": v for k, v in tags.items()}, description="")
        for _, model_uri in logged:
            mlflow.register_model(model_uri, name)
        client.set_registered_model_alias(name, "champion", "1")
        client.set_registered_model_alias(name, "challenger", "2")
    client.update_registered_model("churn-classifier", description="Predict which subscribers cancel within 30 days")

    # A version without a run: a custom pyfunc model logged outside any run (MLflow 3 keeps it as a logged model).
    class Constant(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input):
            return [0.5] * len(model_input)

    constant = mlflow.pyfunc.log_model(name="constant", python_model=Constant(), pip_requirements=["mlflow"])
    mlflow.register_model(constant.model_uri, "no-run-model")

    # A run that names no issue and a run tagged for an issue by number only (for the experiment log).
    mlflow.set_experiment("ranking")
    with mlflow.start_run(run_name="ranker-untagged") as run:
        mlflow.log_params({"depth": 6})
        mlflow.log_metrics({"ndcg": 0.61})
        made["runs"]["untagged"] = {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id}

    if auth:
        from mlflow.server import get_app_client

        users = get_app_client("basic-auth", tracking_uri=url)
        users.create_user(*READER)
        users.grant_user_permission(READER[0], "registered_model", "restricted-model", "DENY")
    return made


if __name__ == "__main__":
    if sys.argv[1:2] == ["populate"]:
        print(json.dumps(populate(sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "auth")))
