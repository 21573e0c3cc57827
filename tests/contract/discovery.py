"""A small checker of HTTP requests against Gmail's discovery document (gmail.v1.json).

The document ships with google-api-python-client (a dev dependency). :func:`match` maps one
request (method, path, parsed query) to the discovery method it calls, e.g.
``gmail.users.messages.list``, or fails with an AssertionError that says what is wrong:
no such method/path, an unknown or misplaced query parameter, a non-repeated parameter given
twice, a value outside the parameter's enum, a value of the wrong type, a missing required
parameter, or a wrong ``uploadType`` on an upload path.

Paths are those the server sees (relative to ``rootUrl``, i.e. ``https://gmail.googleapis.com/``):
``/gmail/v1/users/me/messages/{id}`` for JSON calls, ``/upload/gmail/v1/...`` for media
uploads (``mediaUpload.protocols``). The batch endpoint (``/batch/gmail/v1``) is not a method
of the document: :func:`match` returns :data:`BATCH` for it, and its inner calls are checked
like any other call.
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

DOCUMENT = "discovery_cache/documents/gmail.v1.json"
BATCH = "batch"

# Global (top-level) parameters every method accepts. uploadType/upload_protocol only make
# sense on upload paths; credentials never belong in a URL (they end up in logs).
UPLOAD_ONLY_GLOBALS = frozenset({"uploadType", "upload_protocol"})
CREDENTIAL_GLOBALS = frozenset({"access_token", "oauth_token", "key"})


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    location: str  # "query" or "path"
    type: str = "string"
    repeated: bool = False
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    @classmethod
    def from_doc(cls, name: str, spec: Mapping[str, Any]) -> Param:
        def bound(key: str) -> int | None:
            value = spec.get(key)
            return int(value) if value is not None else None

        return cls(
            name=name,
            location=str(spec.get("location", "query")),
            type=str(spec.get("type", "string")),
            repeated=bool(spec.get("repeated", False)),
            required=bool(spec.get("required", False)),
            enum=tuple(str(v) for v in spec.get("enum") or ()),
            minimum=bound("minimum"),
            maximum=bound("maximum"),
        )


@dataclass(frozen=True, slots=True)
class Route:
    """One URL template of a method: its JSON path or one of its upload paths."""

    template: str  # absolute path template, e.g. /gmail/v1/users/{userId}/messages/{id}
    regex: re.Pattern[str]
    upload: str = ""  # "" (JSON path), "simple" or "resumable"
    literal_segments: int = 0  # more literal segments = more specific


@dataclass(frozen=True, slots=True)
class Method:
    id: str
    http_method: str
    path: str  # as in the document, relative to rootUrl: gmail/v1/users/{userId}/...
    params: Mapping[str, Param]
    routes: tuple[Route, ...]
    upload_protocols: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    request: str = ""  # schema name of the request body ("" = the method takes no body)
    scopes: frozenset[str] = frozenset()  # any one of these OAuth scopes allows the call

    @property
    def upload_path(self) -> str:
        """``mediaUpload.protocols.simple.path`` (absolute), or "" if the method takes no media."""
        for route in self.routes:
            if route.upload == "simple":
                return route.template
        return ""


@dataclass(frozen=True, slots=True)
class Match:
    method: Method
    route: Route
    path_params: Mapping[str, str]

    @property
    def id(self) -> str:
        return self.method.id

    @property
    def upload(self) -> bool:
        return bool(self.route.upload)


class Discovery:
    """The methods and global parameters of one discovery document."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.name = str(doc.get("name", ""))
        root = urlsplit(str(doc.get("rootUrl", "/"))).path or "/"
        self.root_url = str(doc.get("rootUrl", ""))
        # Method paths are relative to rootUrl + servicePath.
        self.base = urljoin(root, str(doc.get("servicePath", "")))
        batch_path = str(doc.get("batchPath", "batch")).strip("/")
        # Google's per-API batch endpoint (the global /batch one was shut down in 2020).
        self.batch_paths = {urljoin(root, f"{batch_path}/{self.name}/{doc.get('version', '')}")}
        self.global_params = {
            name: Param.from_doc(name, spec) for name, spec in (doc.get("parameters") or {}).items()
        }
        self.schemas: dict[str, Mapping[str, Any]] = dict(doc.get("schemas") or {})
        self.methods: dict[str, Method] = {m.id: m for m in self._walk(doc)}

    def _walk(self, node: Mapping[str, Any]) -> Iterator[Method]:
        for spec in (node.get("methods") or {}).values():
            yield self._method(spec)
        for child in (node.get("resources") or {}).values():
            yield from self._walk(child)

    def _method(self, spec: Mapping[str, Any]) -> Method:
        rel = str(spec.get("flatPath") or spec["path"])
        params = {n: Param.from_doc(n, p) for n, p in (spec.get("parameters") or {}).items()}
        routes = [_route(urljoin(self.base, rel), "")]
        protocols = (spec.get("mediaUpload") or {}).get("protocols") or {}
        for kind, proto in protocols.items():
            # Protocol paths start with "/": relative to the host of rootUrl.
            routes.append(_route(urljoin(self.base, str(proto["path"])), kind))
        return Method(
            id=str(spec["id"]),
            http_method=str(spec["httpMethod"]).upper(),
            path=str(spec["path"]),
            params=params,
            routes=tuple(routes),
            upload_protocols={k: dict(v) for k, v in protocols.items()},
            request=str((spec.get("request") or {}).get("$ref") or ""),
            scopes=frozenset(str(x) for x in spec.get("scopes") or ()),
        )

    # -- matching -----------------------------------------------------------------------
    def resolve(self, method: str, path: str, query: Mapping[str, Sequence[str]]) -> Match | None:
        """The method a request calls (None for the batch endpoint); AssertionError if none
        fits or the query breaks the method's parameter rules."""
        method = method.upper()
        clean = path.split("?", 1)[0]
        if clean.rstrip("/") in self.batch_paths:
            return None
        found: list[tuple[Route, Method, dict[str, str]]] = []
        for m in self.methods.values():
            for route in m.routes:
                hit = route.regex.fullmatch(clean)
                if hit is not None:
                    found.append((route, m, hit.groupdict()))
        if not found:
            raise AssertionError(
                f"{method} {path}: no method of the {self.name} discovery document has this "
                f"path{_near(clean, self.methods.values())}"
            )
        same = [f for f in found if f[1].http_method == method]
        if not same:
            allowed = sorted({f"{m.http_method} ({m.id})" for _, m, _ in found})
            raise AssertionError(
                f"{method} {path}: the path exists but not for {method}; allowed: "
                + ", ".join(allowed)
            )
        same.sort(key=lambda f: f[0].literal_segments, reverse=True)
        route, m, path_params = same[0]
        self._check_query(m, route, query, f"{method} {path} ({m.id})")
        return Match(m, route, path_params)

    def _check_query(
        self, m: Method, route: Route, query: Mapping[str, Sequence[str]], where: str
    ) -> None:
        for name, values in query.items():
            values = [values] if isinstance(values, str) else list(values)
            param = m.params.get(name)
            if param is not None and param.location != "query":
                raise AssertionError(
                    f"{where}: '{name}' is a {param.location} parameter, not a query parameter"
                )
            if param is None:
                param = self.global_params.get(name)
                if param is None:
                    known = sorted(p for p, s in m.params.items() if s.location == "query")
                    raise AssertionError(
                        f"{where}: unknown query parameter '{name}'; this method accepts "
                        f"{known or 'no method parameters'} plus the global ones"
                    )
                if name in UPLOAD_ONLY_GLOBALS and not route.upload:
                    raise AssertionError(
                        f"{where}: '{name}' belongs on an upload path (/upload/...), not here"
                    )
                if name in CREDENTIAL_GLOBALS:
                    raise AssertionError(
                        f"{where}: credential '{name}' in the URL; use the Authorization header"
                    )
            if len(values) > 1 and not param.repeated:
                raise AssertionError(
                    f"{where}: '{name}' is not repeated but was given {len(values)} times: {values}"
                )
            for value in values:
                _check_value(param, value, where)
            if name == "fields":
                for value in values:
                    _check_fields(value, where)
        missing = [
            p.name
            for p in m.params.values()
            if p.location == "query" and p.required and p.name not in query
        ]
        if missing:
            raise AssertionError(f"{where}: required query parameter(s) missing: {missing}")
        if route.upload:
            self._check_upload(m, route, query, where)

    @staticmethod
    def _check_upload(
        m: Method, route: Route, query: Mapping[str, Sequence[str]], where: str
    ) -> None:
        given = list(query.get("uploadType") or [])
        if not given:
            raise AssertionError(f"{where}: an upload path needs uploadType")
        kind = given[0]
        if route.upload == "resumable":
            allowed = {"resumable"}
        else:
            simple = m.upload_protocols.get("simple") or {}
            allowed = {"media"} | ({"multipart"} if simple.get("multipart") else set())
            if "resumable" in m.upload_protocols:
                allowed.add("resumable")
        if kind not in allowed:
            raise AssertionError(
                f"{where}: uploadType={kind!r} is not allowed here; allowed: {sorted(allowed)}"
            )

    # -- request bodies -------------------------------------------------------------------
    def check_body(
        self, method_id: str, body: Any, where: str = "", *, upload: bool = False
    ) -> None:
        """A JSON request body (or, ``upload=True``, an upload's metadata part) against the
        method's request schema: no unknown fields, right types, enum values, fields the
        method requires (except ``raw``, which an upload carries as its media part)."""
        m = self.methods[method_id]
        where = where or method_id
        if not m.request:
            if body not in (None, {}):
                raise AssertionError(f"{where}: {method_id} takes no request body, got {body!r}")
            return
        self._check_schema(body, {"$ref": m.request}, method_id, where, "body", upload)

    def _check_schema(
        self,
        value: Any,
        schema: Mapping[str, Any],
        method_id: str,
        where: str,
        at: str,
        upload: bool = False,
    ) -> None:
        if "$ref" in schema:
            schema = self.schemas[str(schema["$ref"])]
        kind = schema.get("type")
        bad = f"{where}: {at}={value!r}"
        if kind == "object":
            if not isinstance(value, dict):
                raise AssertionError(f"{bad} must be an object")
            props = schema.get("properties")
            if props is not None:
                for key, item in value.items():
                    if key not in props:
                        raise AssertionError(
                            f"{where}: unknown field {at}.{key} (schema {schema.get('id', '?')} "
                            f"has {sorted(props)})"
                        )
                    self._check_schema(item, props[key], method_id, where, f"{at}.{key}", upload)
                required = [
                    key
                    for key, prop in props.items()
                    if method_id in (prop.get("annotations") or {}).get("required", ())
                    and not (upload and key == "raw")
                ]
                missing = [key for key in required if key not in value]
                if missing:
                    raise AssertionError(f"{where}: {at} lacks required field(s) {missing}")
            elif isinstance(schema.get("additionalProperties"), dict):
                for key, item in value.items():
                    self._check_schema(
                        item,
                        schema["additionalProperties"],
                        method_id,
                        where,
                        f"{at}.{key}",
                        upload,
                    )
        elif kind == "array":
            if not isinstance(value, list):
                raise AssertionError(f"{bad} must be a list")
            for i, item in enumerate(value):
                self._check_schema(
                    item, schema.get("items") or {}, method_id, where, f"{at}[{i}]", upload
                )
        elif kind == "string":
            if not isinstance(value, str):
                raise AssertionError(f"{bad} must be a string")
            enum = schema.get("enum")
            if enum and value not in enum:
                raise AssertionError(f"{bad} is not one of the allowed values {enum}")
        elif kind == "integer":
            # 64-bit integers travel as strings in JSON.
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())
            ):
                raise AssertionError(f"{bad} must be an integer")
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise AssertionError(f"{bad} must be true or false")
        elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise AssertionError(f"{bad} must be a number")


def _route(template: str, upload: str) -> Route:
    """Compile a URI template: {name} matches one non-empty path segment, {+name} any rest."""
    pattern = ""
    pos = 0
    for var in re.finditer(r"\{(\+?)([A-Za-z0-9_.$]+)\}", template):
        pattern += re.escape(template[pos : var.start()])
        group = re.sub(r"\W", "_", var[2])
        pattern += f"(?P<{group}>.+)" if var[1] else f"(?P<{group}>[^/]+)"
        pos = var.end()
    pattern += re.escape(template[pos:])
    literal = sum(1 for seg in template.split("/") if seg and "{" not in seg)
    return Route(template, re.compile(pattern), upload, literal)


def _check_value(param: Param, value: str, where: str) -> None:
    name = param.name
    if param.enum and value not in param.enum:
        raise AssertionError(
            f"{where}: {name}={value!r} is not one of the allowed values {list(param.enum)}"
        )
    if param.type == "boolean" and value not in ("true", "false"):
        raise AssertionError(f"{where}: {name}={value!r} must be 'true' or 'false'")
    if param.type == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise AssertionError(f"{where}: {name}={value!r} must be an integer")
        number = int(value)
        if param.minimum is not None and number < param.minimum:
            raise AssertionError(f"{where}: {name}={number} is below {param.minimum}")
        if param.maximum is not None and number > param.maximum:
            raise AssertionError(f"{where}: {name}={number} is above {param.maximum}")


def _check_fields(value: str, where: str) -> None:
    """A partial-response mask must at least have balanced parentheses and no empty items."""
    depth = 0
    for ch in value:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0 or re.search(r"(^|[,(])\s*([,)]|$)", value):
        raise AssertionError(f"{where}: malformed fields mask {value!r}")


def _near(path: str, methods: Any) -> str:
    """The most similar path template, as a hint."""
    segments = [s for s in path.split("/") if s]
    best, best_score = "", 0.0
    for m in methods:
        for route in m.routes:
            template = [s for s in route.template.split("/") if s]
            # Put the request's own values into the template's variables before comparing.
            filled = [
                segments[i] if "{" in seg and i < len(segments) else seg
                for i, seg in enumerate(template)
            ]
            score = difflib.SequenceMatcher(None, "/".join(segments), "/".join(filled)).ratio()
            if score > best_score:
                best, best_score = route.template, score
    return f" (closest: {best})" if best else ""


def document_path() -> Any:
    """The gmail.v1.json bundled with google-api-python-client."""
    return importlib.resources.files("googleapiclient").joinpath(DOCUMENT)


@functools.cache
def load() -> Discovery:
    return Discovery(json.loads(document_path().read_text(encoding="utf-8")))


def match(method: str, path: str, query: Mapping[str, Sequence[str]] | None = None) -> str:
    """The discovery method ID a request calls (``BATCH`` for the batch endpoint itself);
    AssertionError with the reason when the request is not one the document allows."""
    found = load().resolve(method, path, query or {})
    return BATCH if found is None else found.id


def resolve(method: str, path: str, query: Mapping[str, Sequence[str]] | None = None) -> Match:
    """Like :func:`match`, with the route (JSON or upload) and path parameters."""
    found = load().resolve(method, path, query or {})
    if found is None:
        raise AssertionError(f"{method} {path} is the batch endpoint, not a method")
    return found


def check_body(method_id: str, body: Any, where: str = "", *, upload: bool = False) -> None:
    """AssertionError unless ``body`` fits the request schema of ``method_id``."""
    load().check_body(method_id, body, where, upload=upload)


__all__ = [
    "BATCH",
    "Discovery",
    "Match",
    "Method",
    "Param",
    "check_body",
    "load",
    "match",
    "resolve",
]
