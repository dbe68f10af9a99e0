"""A local stand-in for the Dataproc REST API (batches only), as a real HTTP server.

The official `BatchControllerClient` (REST transport) talks to it through
`DATAPROC_API_ENDPOINT`, so everything the runner does down to `create_batch`
and `get_batch` goes through the real client, its request encoding and its
error mapping. It records each batch as submitted, for the rehearsal to run it
and the tests to inspect it, and answers like Dataproc does:

- `POST /v1/projects/{p}/locations/{r}/batches?batchId=ID` records the body and
  returns a long-running Operation; a batch id that exists answers 409 with the
  ALREADY_EXISTS error body.
- `GET /v1/projects/{p}/locations/{r}/batches/{id}` returns the recorded batch
  with the state the test set (PENDING after creation), or 404.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from google.cloud import dataproc_v1

from rehearsal.local_server import JsonHandler, google_error, serving_for

BATCHES = "/v1/projects/{project}/locations/{region}/batches"


@dataclasses.dataclass
class CreateCall:
    batch_id: str
    parent: str
    body: str
    created: bool  # False: refused with 409 ALREADY_EXISTS


@dataclasses.dataclass
class StoredBatch:
    name: str
    uuid: str
    body: str
    state: str = "PENDING"


class DataprocStandIn:
    def __init__(self) -> None:
        self.creates: list[CreateCall] = []
        self.gets: list[str] = []
        self.batches: dict[str, StoredBatch] = {}  # batch id -> batch
        self._lock = threading.Lock()
        self.endpoint = ""  # http://127.0.0.1:PORT while serving

    # --- what tests use -----------------------------------------------------------------

    def batch(self, batch_id: str) -> dataproc_v1.Batch:
        """The batch as received, parsed with the official type."""
        return dataproc_v1.Batch.from_json(self.batches[batch_id].body, ignore_unknown_fields=True)

    def set_state(self, batch_id: str, state: str) -> None:
        assert state in dataproc_v1.Batch.State.__members__, state
        self.batches[batch_id].state = state

    def add_batch(self, parent: str, batch_id: str, state: str, body: str = "{}") -> None:
        """A batch that exists before the test's requests (e.g. an earlier failed attempt)."""
        self.batches[batch_id] = StoredBatch(f"{parent}/batches/{batch_id}", _uuid(), body, state)

    @property
    def created_ids(self) -> list[str]:
        return [call.batch_id for call in self.creates if call.created]

    @contextlib.contextmanager
    def serving(self) -> Iterator[DataprocStandIn]:
        with serving_for(self, _Handler, "dataproc") as url:
            self.endpoint = url
            yield self

    # --- the API ------------------------------------------------------------------------

    def create(self, parent: str, batch_id: str, body: str) -> tuple[int, dict]:
        with self._lock:
            exists = batch_id in self.batches
            self.creates.append(CreateCall(batch_id, parent, body, created=not exists))
            if exists:
                return 409, google_error(
                    409, "ALREADY_EXISTS", f"Batch {parent}/batches/{batch_id} already exists"
                )
            stored = StoredBatch(f"{parent}/batches/{batch_id}", _uuid(), body)
            self.batches[batch_id] = stored
        project, region = parent.split("/")[1], parent.split("/")[3]
        return 200, {
            "name": f"projects/{project}/regions/{region}/operations/{stored.uuid}",
            "metadata": {
                "@type": "type.googleapis.com/google.cloud.dataproc.v1.BatchOperationMetadata",
                "batch": stored.name,
                "batchUuid": stored.uuid,
                "operationType": "BATCH",
                "description": f"Batch {batch_id}",
            },
            "done": False,
        }

    def get(self, batch_id: str) -> tuple[int, dict]:
        with self._lock:
            self.gets.append(batch_id)
            stored = self.batches.get(batch_id)
            if stored is None:
                return 404, google_error(404, "NOT_FOUND", f"Batch {batch_id} not found")
            reply = json.loads(stored.body or "{}")
            reply.update(name=stored.name, uuid=stored.uuid, state=stored.state)
            return 200, reply


class _Handler(JsonHandler):
    dataproc: DataprocStandIn

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        # v1 projects P locations R batches
        if len(parts) != 6 or parts[0] != "v1" or parts[5] != "batches":
            return self._reply(404, google_error(404, "NOT_FOUND", f"no route {url.path}"))
        parent = "/".join(parts[1:5])
        batch_id = parse_qs(url.query).get("batchId", [""])[0]
        if not batch_id:
            return self._reply(400, google_error(400, "INVALID_ARGUMENT", "batchId is required"))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        self._reply(*self.dataproc.create(parent, batch_id, body))

    def do_GET(self) -> None:
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) != 7 or parts[0] != "v1" or parts[5] != "batches":
            return self._reply(404, google_error(404, "NOT_FOUND", f"no route {self.path}"))
        self._reply(*self.dataproc.get(parts[6]))


def _uuid() -> str:
    return str(uuid.uuid4())
