"""Every ORM model, imported here so metadata (and Alembic) sees all tables."""

from trace.models.audit import AuditEntry
from trace.models.batches import Batch, BatchStatus, Unit
from trace.models.brand import ApplicationStatus, BrandApplication, BrandCheck, BrandRule
from trace.models.certifications import (
    Certification,
    CertificationScope,
    CertificationStatus,
    CertificationType,
)
from trace.models.compliance import CertificateSource, ComplianceRecord
from trace.models.disclosure import DisclosureFigure, Notice, NoticeAttachment, NoticeCategory
from trace.models.events import AppendOnlyError, EventType, TraceEvent
from trace.models.feedback import (
    ContactKind,
    FeedbackContact,
    FeedbackReport,
    FeedbackStep,
    ReportAction,
    ReportKind,
    ReportOutcome,
    ReportStatus,
    SpentFormStamp,
)
from trace.models.funding import (
    BudgetLine,
    FundingRule,
    FundingRuleKind,
    FundingTask,
    FundSource,
    SpendingEntry,
    UseCategory,
)
from trace.models.genealogy import LineRole, LotLink, LotOperation, LotOperationLine, OperationKind
from trace.models.grading import (
    Bound,
    GradeSpec,
    GradeThreshold,
    Grading,
    GradingStandard,
    StandardKind,
)
from trace.models.imports import SpreadsheetImport
from trace.models.inspections import (
    Disposition,
    DispositionKind,
    Inspection,
    InspectionLimit,
    InspectionReport,
    InspectionResult,
)
from trace.models.jobs import Job, JobKind, JobStatus
from trace.models.labels import CodeStatus, LabelRun, PackCode
from trace.models.logistics import (
    Facility,
    FacilityKind,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TemperatureAlert,
    TemperatureLimit,
    TemperatureReading,
)
from trace.models.packaging import PackageType, PackagingSpec
from trace.models.poverty_relief import LiftedHousehold, ModelEnterprise, StaffCount
from trace.models.producers import Producer, ProducerKind
from trace.models.products import Product, ProductCategory
from trace.models.recalls import Recall, RecallAction, RecallActionKind, RecallLot, RecallStatus
from trace.models.regions import Township, Village
from trace.models.retention import RetentionArchive, RetentionRule
from trace.models.scans import Scan, ScanAddress, ScanClient
from trace.models.station_activity import (
    ParcelCount,
    ParcelDirection,
    ServiceKind,
    ServiceRecord,
)
from trace.models.stations import Station, StationService, StationServiceOffer, StationTier
from trace.models.targets import (
    Comparison,
    FigureSource,
    MetricKey,
    Target,
    TargetFigureEntry,
    TargetMilestone,
)
from trace.models.training import (
    Attendance,
    Course,
    Incubation,
    IncubationOutcome,
    Trainee,
    TrainingKind,
    TrainingSession,
)
from trace.models.transparency import Checkpoint, ConsistencyCheck
from trace.models.users import ApiToken, Role, User

__all__ = [
    "ApiToken",
    "AppendOnlyError",
    "ApplicationStatus",
    "Attendance",
    "AuditEntry",
    "Batch",
    "BatchStatus",
    "Bound",
    "BrandApplication",
    "BrandCheck",
    "BrandRule",
    "BudgetLine",
    "CertificateSource",
    "Certification",
    "CertificationScope",
    "CertificationStatus",
    "CertificationType",
    "Checkpoint",
    "CodeStatus",
    "Comparison",
    "ComplianceRecord",
    "ConsistencyCheck",
    "ContactKind",
    "Course",
    "DisclosureFigure",
    "Disposition",
    "DispositionKind",
    "EventType",
    "Facility",
    "FacilityKind",
    "FeedbackContact",
    "FeedbackReport",
    "FeedbackStep",
    "FigureSource",
    "FundSource",
    "FundingRule",
    "FundingRuleKind",
    "FundingTask",
    "GradeSpec",
    "GradeThreshold",
    "Grading",
    "GradingStandard",
    "Incubation",
    "IncubationOutcome",
    "Inspection",
    "InspectionLimit",
    "InspectionReport",
    "InspectionResult",
    "Job",
    "JobKind",
    "JobStatus",
    "LabelRun",
    "LiftedHousehold",
    "LineRole",
    "LotLink",
    "LotOperation",
    "LotOperationLine",
    "MetricKey",
    "ModelEnterprise",
    "Notice",
    "NoticeAttachment",
    "NoticeCategory",
    "OperationKind",
    "PackCode",
    "PackageType",
    "PackagingSpec",
    "ParcelCount",
    "ParcelDirection",
    "Producer",
    "ProducerKind",
    "Product",
    "ProductCategory",
    "Recall",
    "RecallAction",
    "RecallActionKind",
    "RecallLot",
    "RecallStatus",
    "ReportAction",
    "ReportKind",
    "ReportOutcome",
    "ReportStatus",
    "RetentionArchive",
    "RetentionRule",
    "Role",
    "Scan",
    "ScanAddress",
    "ScanClient",
    "ServiceKind",
    "ServiceRecord",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
    "SpendingEntry",
    "SpentFormStamp",
    "SpreadsheetImport",
    "StaffCount",
    "StandardKind",
    "Station",
    "StationService",
    "StationServiceOffer",
    "StationTier",
    "Target",
    "TargetFigureEntry",
    "TargetMilestone",
    "TemperatureAlert",
    "TemperatureLimit",
    "TemperatureReading",
    "Township",
    "TraceEvent",
    "Trainee",
    "TrainingKind",
    "TrainingSession",
    "Unit",
    "UseCategory",
    "User",
    "Village",
]
