"""Where packs are scanned (trace.services.scan_regions): regions, flags, QC's test scans."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.schemas.common import Integer


class RegionCountSchema(Schema):
    region = fields.String(metadata={"description": "province/city/district; '' unknown"})
    province = fields.String()
    scans = Integer(metadata={"description": "counted scans (distinct clients)"})


class FarApartSchema(Schema):
    serial = fields.String()
    sequence = Integer()
    first_region = fields.String()
    second_region = fields.String()
    first_at = fields.AwareDateTime()
    second_at = fields.AwareDateTime()


class ScanRegionsSchema(Schema):
    regions = fields.List(fields.Nested(RegionCountSchema))
    total = Integer()
    far_apart = fields.List(
        fields.Nested(FarApartSchema),
        metadata={"description": "packs scanned in different provinces within SCAN_FAR_HOURS"},
    )
    sales_region = fields.String(metadata={"description": "lots: the province it is sold in"})
    outside_share = fields.Float(
        allow_none=True, metadata={"description": "lots: share of located scans outside it"}
    )
    moved = fields.Boolean(metadata={"description": "lots: 窜货, scanned mostly elsewhere"})
