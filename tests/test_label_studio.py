"""The real round trip: quotes sample -> a real Label Studio server -> its exports -> quotes train.

Starts Label Studio (from .venv-ls, made by scripts/setup_label_studio.sh, which scripts/test.sh runs) on a free
localhost port with a temporary data folder and its own user and API token, creates a project with the XML of
``quotes sample --ls-config``, imports the sampled tasks and submits annotations through label-studio-sdk
(scripts/label_studio_roundtrip.py), exports the full and min JSON and the CSV, and trains on each export with
a tiny config. The server is stopped whatever happens; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotes.cli import app
from quotes.stance.data import read_records

REPO = Path(__file__).resolve().parents[1]
LS_PYTHON = REPO / ".venv-ls" / "bin" / "python"
LS_SERVER = REPO / ".venv-ls" / "bin" / "label-studio"
DEFAULT_MODEL = REPO / "models" / "stance-minilm"
START_TIMEOUT_S = 240
TOKEN = "quotes0test0token0000000000000000000000a"
runner = CliRunner()

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not LS_SERVER.is_file():
        pytest.fail("Label Studio is not installed in .venv-ls: run bash scripts/setup_label_studio.sh")
    data = tmp_path_factory.mktemp("label-studio")
    port = _free_port()
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data), "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"}
    log = (data / "server.log").open("w")
    server = subprocess.Popen(
        [str(LS_SERVER), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data), "--username", "tester@example.com", "--password", "quotes-test-pw",
         "--user-token", TOKEN, "--enable-legacy-api-token"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"Label Studio exited with {server.returncode}; see {data / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Label Studio did not answer on {url} within {START_TIMEOUT_S}s")
            time.sleep(1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        log.close()


def test_round_trip_through_a_real_server(label_studio: str, tmp_path: Path, tiny_stance_model: Path) -> None:
    if not (DEFAULT_MODEL / "config.json").is_file():
        pytest.skip("the default model is built by scripts/test.sh (scripts/train_default_model.py)")
    db = tmp_path / "quotes.db"
    extracted = runner.invoke(app, ["extract", str(REPO / "seeds" / "articles"), "--store", str(db), "--no-stance"])
    assert extracted.exit_code == 0, extracted.output
    tasks, config = tmp_path / "tasks.json", tmp_path / "ls.xml"
    sampled = runner.invoke(app, ["sample", "--store", str(db), "-n", "8", "--strategy", "diverse", "-o", str(tasks),
                                  "--ls-config", str(config), "--model", str(DEFAULT_MODEL)])
    assert sampled.exit_code == 0, sampled.output
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(["favor", "against", "none", "skip", None, ["favor", "against"],
                                   ["none", "none"], "favor"]), encoding="utf-8")
    out = tmp_path / "exports"
    subprocess.run([str(LS_PYTHON), str(REPO / "scripts" / "label_studio_roundtrip.py"), "--url", label_studio,
                    "--token", TOKEN, "--config", str(config), "--tasks", str(tasks), "--answers", str(answers),
                    "--out", str(out)], check=True, timeout=180)

    full = json.loads((out / "export-full.json").read_text(encoding="utf-8"))
    sent = [t["data"]["pair"] for t in json.loads(tasks.read_text(encoding="utf-8"))]
    assert [t["data"]["pair"] for t in full] == sent  # every task came back, in order, with our fields
    assert full[0]["annotations"][0]["prediction"]["result"][0]["from_name"] == "stance"  # the pre-annotation

    same = [sorted((r["id"], r["label"]) for r in read_records(out / name)) for name in ("export-min.json", "export.csv")]
    assert same[0] == same[1]  # the CSV export gives what the min export does

    for name in ("export-full.json", "export-min.json", "export.csv"):
        model = tmp_path / f"model-{name}"
        trained = runner.invoke(app, ["train", str(out / name), "--base", str(tiny_stance_model), "--out",
                                      str(model), "--epochs", "1", "--relevance-quantile", "0", "--split-layers",
                                      "1", "--no-bf16"])
        assert trained.exit_code == 0, trained.output
        assert "task 6" in trained.output and "conflicting annotations (against, favor)" in trained.output
        metrics = json.loads((model / "metrics.json").read_text(encoding="utf-8"))
        assert metrics["train"]["labelled_examples"] == 5  # favor, against, none, none (two agree), favor
        reasons = sorted(n["reason"] for n in metrics["data"]["not_used"])
        expected = ["conflicting annotations (against, favor)", "no answer"]
        assert reasons == (sorted([*expected, "skipped"]) if name == "export-full.json" else expected)
