"""Where the instance keeps its files: one answer for the web layer, backups and retention."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def instance_dir(config: Mapping[str, Any]) -> Path:
    return Path(config["INSTANCE_DIR"])


def upload_dir(config: Mapping[str, Any]) -> Path:
    """Inspection reports and certificate scans: UPLOAD_DIR, or instance/uploads."""
    configured = config.get("UPLOAD_DIR")
    return Path(configured) if configured else instance_dir(config) / "uploads"


def feedback_upload_dir(config: Mapping[str, Any]) -> Path:
    """Consumers' report photos: FEEDBACK_UPLOAD_DIR, or instance/uploads/feedback."""
    configured = config.get("FEEDBACK_UPLOAD_DIR")
    return Path(configured) if configured else instance_dir(config) / "uploads" / "feedback"


def jobs_dir(config: Mapping[str, Any]) -> Path:
    """Background jobs' files (label PDFs, exports): JOBS_DIR, or instance/jobs."""
    configured = config.get("JOBS_DIR")
    return Path(configured) if configured else instance_dir(config) / "jobs"


def archive_dir(config: Mapping[str, Any]) -> Path:
    """Retention archives (what was removed, exported and verified first)."""
    return instance_dir(config) / "archives"


def checkpoint_key_path(config: Mapping[str, Any]) -> Path:
    return instance_dir(config) / "checkpoint_ed25519.pem"


def backup_dir(config: Mapping[str, Any]) -> Path:
    """Where `backup scheduled` writes (copy it off the machine: see README, Operations)."""
    configured = config.get("BACKUP_DIR")
    return Path(configured) if configured else instance_dir(config) / "backups"


def folders(config: Mapping[str, Any]) -> dict[str, Path]:
    """Every folder of stored files a backup carries, by role."""
    return {
        "uploads": upload_dir(config),
        "feedback": feedback_upload_dir(config),
        "jobs": jobs_dir(config),
        "archives": archive_dir(config),
    }
