"""A strawberry SchemaExtension that counts and times GraphQL operations and their errors."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.errors import AppError, ErrorCode, ValidationFailed
from api.observability import metrics

ANONYMOUS = "anonymous"
OTHER = "other"
UNKNOWN = "unknown"
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


class OperationNames:
    """Operation names used as label values, capped so clients cannot grow the label set without end.

    Clients choose operation names. The first ``limit`` distinct names that
    appear in a valid document are kept, and later new ones become "other".
    """

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if not _GRAPHQL_NAME.fullmatch(name):
            return OTHER
        with self._lock:
            if name in self._seen:
                return name
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(name)
            return name


operation_names = OperationNames()


def error_code(error: GraphQLError) -> str:
    """Return the extensions.code that api.app.format_error gives this error.

    NOTE: this repeats the mapping of api.app.format_error, and
    tests/test_metrics.py checks that the two agree for each kind of error.
    """
    original = error.original_error
    if isinstance(original, AppError):
        return original.code
    if isinstance(original, ValidationFailed):
        return ErrorCode.BAD_USER_INPUT
    if original is None:
        return str((error.extensions or {}).get("code", ErrorCode.BAD_USER_INPUT))
    return ErrorCode.INTERNAL


class MetricsExtension(SchemaExtension):
    """Record fxx_graphql_requests_total, fxx_graphql_request_duration_seconds and fxx_graphql_errors_total.

    Queries and mutations are counted and timed when they finish. A
    subscription is counted when it starts executing and is not timed, since
    its duration is the life of the subscription.
    """

    _counted = False

    def on_execute(self) -> Iterator[None]:
        if self._operation_type() == OperationType.SUBSCRIPTION.value:
            metrics.GRAPHQL_REQUESTS.labels(self._operation_label(), OperationType.SUBSCRIPTION.value).inc()
            self._counted = True
        yield

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._record(time.perf_counter() - started)

    def _record(self, seconds: float) -> None:
        operation_name = self._operation_label()
        operation_type = self._operation_type()
        if not self._counted:
            metrics.GRAPHQL_REQUESTS.labels(operation_name, operation_type).inc()
        if operation_type != OperationType.SUBSCRIPTION.value:
            metrics.GRAPHQL_REQUEST_DURATION.labels(operation_name, operation_type).observe(seconds)
        # strawberry stores the errors of the final result here, including parse and validation errors.
        for error in self.execution_context.pre_execution_errors or []:
            metrics.GRAPHQL_ERRORS.labels(error_code(error), operation_name).inc()

    def _operation_type(self) -> str:
        try:
            return self.execution_context.operation_type.value
        except RuntimeError:  # no document, or no operation of the requested name
            return UNKNOWN

    def _operation_label(self) -> str:
        name = self.execution_context.operation_name
        document = self.execution_context.graphql_document
        if name is None:
            return ANONYMOUS
        # A name that the document does not define is the client's typo or probe, not an operation.
        if document is None or not any(
            isinstance(definition, OperationDefinitionNode) and definition.name and definition.name.value == name
            for definition in document.definitions
        ):
            return UNKNOWN
        return operation_names.label(name)
