"""AWS on 127.0.0.1, answering recorded calls: what the tests and benchmarks/online.py run the
online check against, through the real client stack (signing, serialization, retries, parsing),
with `AWS_ENDPOINT_URL` pointing here.

A recording is a list of calls, each `{"service", "operation", "params", "response"}` (or
`"error": {"Code", "Message"}` instead of a response, and `"failFirst": n` to answer the error n
times before the response). A request matches a call when botocore serializes the call's params
to the same request: the same operation, path, query and body. Responses are serialized in the
service's protocol (JSON for eks, ssm, service-quotas; XML for ec2, iam, sts), the shapes being
botocore's service models. SimulatePrincipalPolicy is answered from IAM policy documents (the
caller's, as given), not from the recording. An unrecorded request gets an error naming it."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import Shape
from botocore.serialize import create_serializer

SERVICES = ("sts", "eks", "ec2", "ssm", "service-quotas", "iam")
_SESSION = botocore.session.get_session()
MODELS = {s: _SESSION.get_service_model(s) for s in SERVICES}
BY_SIGNING_NAME = {m.signing_name: s for s, m in MODELS.items()}


def _normal(request: Mapping[str, Any], protocol: str) -> tuple:
    """(method, path, query, body) of a serialized request, comparable with an incoming one."""
    body = request["body"]
    if isinstance(body, Mapping):
        body = {k: str(v) for k, v in body.items()}
    elif body:
        body = json.loads(body)
    else:
        body = {}
    query = {k: str(v) for k, v in (request.get("query_string") or {}).items()}
    path = unquote(request["url_path"])
    return request["method"], path, tuple(sorted(query.items())), json.dumps(body, sort_keys=True)


def _scalar(value: Any, shape: Shape) -> str:
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return escape(str(value))


def to_xml(value: Any, shape: Shape, tag: str) -> str:
    """`value` as botocore's query and ec2 parsers read the shape."""
    if shape.type_name == "structure":
        inner = "".join(
            to_xml(value[name], member, member.serialization.get("name", name))
            for name, member in shape.members.items()
            if name in value
        )
    elif shape.type_name == "list":
        item = shape.member.serialization.get("name", "member")
        inner = "".join(to_xml(v, shape.member, item) for v in value)
    elif shape.type_name == "map":
        inner = "".join(
            f"<entry>{to_xml(k, shape.key, 'key')}{to_xml(v, shape.value, 'value')}</entry>"
            for k, v in value.items()
        )
    else:
        inner = _scalar(value, shape)
    return f"<{tag}>{inner}</{tag}>"


class Recording:
    """The recorded calls, indexed by the request botocore would send for each."""

    def __init__(
        self, calls: Iterable[Mapping[str, Any]], policies: Iterable[dict] = (), latency: float = 0
    ) -> None:
        self.calls = [dict(c) for c in calls]
        self.latency = latency  # seconds before each answer, as a network and AWS would take
        self.policies = list(policies)  # the caller's IAM policy documents
        self.served: Counter[str] = Counter()  # "service Operation" -> requests answered
        self._lock = threading.Lock()
        self._index: dict[tuple, dict] = {}
        for call in self.calls:
            model = MODELS[call["service"]]
            operation = model.operation_model(call["operation"])
            request = create_serializer(model.protocol).serialize_to_request(
                call.get("params", {}), operation
            )
            key = (call["service"], *_normal(request, model.protocol))
            self._index[key] = call

    def answer(self, service: str, request: Mapping[str, Any]) -> tuple[str, dict]:
        """(operation, call) for an incoming request, or ("", an error call) when unrecorded."""
        model = MODELS[service]
        key = (service, *_normal(request, model.protocol))
        call = self._index.get(key)
        if call is None:
            form = json.loads(key[-1])
            if form.get("Action") == "SimulatePrincipalPolicy":
                return "SimulatePrincipalPolicy", {"response": self._simulate(form)}
            message = f"no recorded answer for {service} {key[1:]}"
            return "", {"error": {"Code": "NotRecorded", "Message": message}}
        with self._lock:
            self.served[f"{service} {call['operation']}"] += 1
            fail = call.get("failFirst", 0) >= self.served[f"{service} {call['operation']}"]
        if fail or "response" not in call:
            return call["operation"], {"error": call["error"]}
        return call["operation"], {"response": call["response"]}

    def _simulate(self, form: Mapping[str, str]) -> dict:
        """Each action allowed when an Allow statement of the caller's policies names it."""
        with self._lock:
            self.served["iam SimulatePrincipalPolicy"] += 1
        allowed = {
            a
            for policy in self.policies
            for s in policy["Statement"]
            if s["Effect"] == "Allow"
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        actions = [v for k, v in form.items() if k.startswith("ActionNames.member.")]
        return {
            "EvaluationResults": [
                {
                    "EvalActionName": a,
                    "EvalResourceName": "*",
                    "EvalDecision": "allowed" if a in allowed else "implicitDeny",
                }
                for a in actions
            ],
            "IsTruncated": False,
        }


def _body(service: str, operation: str, call: Mapping[str, Any]) -> tuple[int, dict, bytes]:
    """(status, headers, body) of an answer in the service's protocol."""
    model = MODELS[service]
    protocol = model.protocol
    if "error" in call:
        code, message = call["error"]["Code"], call["error"].get("Message", "")
        if protocol in ("json", "rest-json"):
            body = json.dumps({"__type": code, "message": message}).encode()
            return 400, {"Content-Type": "application/x-amz-json-1.1"}, body
        if protocol == "ec2":
            text = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}"
                "</Message></Error></Errors><RequestID>r</RequestID></Response>"
            )
        else:
            text = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>"
                f"{escape(message)}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
            )
        return 400, {"Content-Type": "text/xml"}, text.encode()
    output = model.operation_model(operation).output_shape
    response = call.get("response", {})
    if protocol in ("json", "rest-json"):
        return 200, {"Content-Type": "application/json"}, json.dumps(response).encode()
    members = "".join(
        to_xml(response[n], m, m.serialization.get("name", n))
        for n, m in (output.members.items() if output else ())
        if n in response
    )
    namespace = model.metadata.get("xmlNamespace", "")
    if protocol == "ec2":
        inner = f"<requestId>r</requestId>{members}"
    else:
        wrapper = output.serialization.get("resultWrapper", f"{operation}Result") if output else ""
        inner = (
            f"<{wrapper}>{members}</{wrapper}>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
        )
    text = f'<{operation}Response xmlns="{namespace}">{inner}</{operation}Response>'
    return 200, {"Content-Type": "text/xml"}, text.encode()


def _operation(service: str, method: str, path: str, headers: Mapping[str, str], form: dict) -> str:
    model = MODELS[service]
    if model.protocol == "json":
        return headers.get("X-Amz-Target", "").split(".")[-1]
    if model.protocol in ("query", "ec2"):
        return form.get("Action", "")
    return ""  # rest-json: matched by path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recording: Recording

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        scope = self.headers.get("Authorization", "").split("Credential=")[-1].split("/")
        service = BY_SIGNING_NAME.get(scope[3] if len(scope) > 3 else "", "")
        if not service:
            self._send(403, {}, b"unsigned request")
            return
        parts = urlsplit(self.path)
        protocol = MODELS[service].protocol
        form = dict(parse_qsl(raw.decode())) if protocol in ("query", "ec2") else {}
        body: Any = form or (raw.decode() if raw else b"")
        request = {
            "method": self.command,
            "url_path": parts.path,
            "query_string": dict(parse_qsl(parts.query)),
            "body": body,
        }
        operation, call = self.recording.answer(service, request)
        time.sleep(self.recording.latency)
        operation = operation or _operation(service, self.command, parts.path, self.headers, form)
        self._send(*_body(service, operation or "Unknown", call))

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:  # quiet
        pass


class ReplayServer:
    """`with ReplayServer(recording) as url:` AWS on 127.0.0.1 (an ephemeral port) until exit."""

    def __init__(self, recording: Recording) -> None:
        handler = type("Handler", (_Handler,), {"recording": recording})
        # A backlog for every concurrent connection: the default 5 drops SYNs, which TCP resends
        # after a second.
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 128})
        self.server = server_class(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def endpoint_environment(url: str) -> dict[str, str]:
    """What points every client at `url` (botocore's own `AWS_ENDPOINT_URL`), with test
    credentials and no instance metadata lookups."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "AKIDREPLAY",
        "AWS_SECRET_ACCESS_KEY": "replay",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
