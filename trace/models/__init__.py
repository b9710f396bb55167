"""Every ORM model, imported here so metadata (and Alembic) sees all tables."""

from trace.models.audit import AuditEntry
from trace.models.batches import Batch, BatchStatus, Unit
from trace.models.events import AppendOnlyError, EventType, TraceEvent
from trace.models.producers import Producer, ProducerKind
from trace.models.products import Product, ProductCategory
from trace.models.regions import Township, Village
from trace.models.users import ApiToken, Role, User

__all__ = [
    "ApiToken",
    "AppendOnlyError",
    "AuditEntry",
    "Batch",
    "BatchStatus",
    "EventType",
    "Producer",
    "ProducerKind",
    "Product",
    "ProductCategory",
    "Role",
    "Township",
    "TraceEvent",
    "Unit",
    "User",
    "Village",
]
