"""SQLModel tables of SPEC §3, with the enums beside them."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from fullstack_agent import crypto


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC on every backend (SQLite keeps no offset, so we put it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class EncryptedText(TypeDecorator):
    """A column whose value is always encrypted at rest."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Optional[str], dialect: Any) -> Optional[str]:
        return None if value is None else crypto.encrypt(value)

    def process_result_value(self, value: Optional[str], dialect: Any) -> Optional[str]:
        return None if value is None else crypto.decrypt(value)


def _timestamp(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False, **kwargs)


def _enum(enum_cls: type[Enum], **kwargs: Any) -> Any:
    # Stored as plain strings (no native ENUM type) so that migrations stay simple on both backends.
    return Field(sa_type=sa.Enum(enum_cls, native_enum=False, length=32,
                                 values_callable=lambda members: [m.value for m in members],
                                 validate_strings=True),
                 nullable=False, **kwargs)


class TimestampedTable(SQLModel):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp(sa_column_kwargs={"onupdate": utcnow})


# ---------------------------------------------------------------- enums

class AuthProvider(str, Enum):
    PASSWORD = "PASSWORD"
    GITHUB = "GITHUB"
    SEALOS = "SEALOS"


class ConfigCategory(str, Enum):
    anthropic = "anthropic"
    kc = "kc"
    github = "github"
    general = "general"


class ConfigSource(str, Enum):
    manual = "manual"
    aiproxy = "aiproxy"
    sealos = "sealos"


class EnvironmentCategory(str, Enum):
    general = "general"
    secret = "secret"
    auth = "auth"
    payment = "payment"
    ttyd = "ttyd"


class ResourceStatus(str, Enum):
    CREATING = "CREATING"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    UPDATING = "UPDATING"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"
    ERROR = "ERROR"


class ProjectStatus(str, Enum):
    CREATING = "CREATING"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    UPDATING = "UPDATING"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"
    ERROR = "ERROR"
    PARTIAL = "PARTIAL"


# Statuses the reconciler works on (SPEC §7 "Claim").
TRANSITIONAL_STATUSES = (
    ResourceStatus.CREATING,
    ResourceStatus.STARTING,
    ResourceStatus.STOPPING,
    ResourceStatus.UPDATING,
    ResourceStatus.TERMINATING,
)


# ---------------------------------------------------------------- users and sign-in

class User(TimestampedTable, table=True):
    __tablename__ = "user"

    name: str = Field(max_length=200)


class UserIdentity(TimestampedTable, table=True):
    __tablename__ = "user_identity"
    __table_args__ = (sa.UniqueConstraint("provider", "provider_user_id",
                                          name="uq_user_identity_provider_user"),)

    user_id: str = Field(foreign_key="user.id", ondelete="CASCADE", max_length=32, index=True)
    provider: AuthProvider = _enum(AuthProvider)
    provider_user_id: str = Field(max_length=255)
    # Non-secret metadata in clear; secret parts (password hash, OAuth token, kubeconfig)
    # are stored encrypted by the services through `crypto`.
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    is_primary: bool = Field(default=False, nullable=False)


class _SecretValueMixin:
    """`value` holds the stored form: ciphertext when `is_secret`, else the text itself."""

    value: str
    is_secret: bool

    @property
    def plain_value(self) -> str:
        return crypto.decrypt(self.value) if self.is_secret else self.value

    @plain_value.setter
    def plain_value(self, plain: str) -> None:
        self.value = crypto.encrypt(plain) if self.is_secret else plain


class UserConfig(_SecretValueMixin, TimestampedTable, table=True):
    __tablename__ = "user_config"
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_user_config_user_key"),)

    user_id: str = Field(foreign_key="user.id", ondelete="CASCADE", max_length=32, index=True)
    key: str = Field(max_length=100)
    value: str = Field(sa_type=sa.Text, nullable=False)
    category: ConfigCategory = _enum(ConfigCategory, default=ConfigCategory.general)
    is_secret: bool = Field(default=False, nullable=False)
    source: ConfigSource = _enum(ConfigSource, default=ConfigSource.manual)
    # Set when a check found the stored (aiproxy) key unusable; provisioning may then replace it.
    invalid_since: Optional[datetime] = Field(default=None, sa_type=UtcDateTime, nullable=True)


class AuthSession(TimestampedTable, table=True):
    __tablename__ = "auth_session"

    user_id: str = Field(foreign_key="user.id", ondelete="CASCADE", max_length=32, index=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    expires_at: datetime = Field(sa_type=UtcDateTime, nullable=False)
    last_seen_at: datetime = _timestamp()
    provider: AuthProvider = _enum(AuthProvider)


# ---------------------------------------------------------------- projects

class Project(TimestampedTable, table=True):
    __tablename__ = "project"
    __table_args__ = (sa.Index("ix_project_user_status", "user_id", "status"),)

    user_id: str = Field(foreign_key="user.id", ondelete="CASCADE", max_length=32)
    name: str = Field(max_length=64)
    slug: str = Field(max_length=63, index=True)
    description: str = Field(default="", sa_type=sa.Text, nullable=False)
    status: ProjectStatus = _enum(ProjectStatus, default=ProjectStatus.CREATING)


class Environment(_SecretValueMixin, TimestampedTable, table=True):
    __tablename__ = "environment"
    __table_args__ = (sa.UniqueConstraint("project_id", "key", name="uq_environment_project_key"),)

    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", max_length=32, index=True)
    key: str = Field(max_length=255)
    value: str = Field(sa_type=sa.Text, nullable=False)
    category: EnvironmentCategory = _enum(EnvironmentCategory, default=EnvironmentCategory.general)
    is_secret: bool = Field(default=False, nullable=False)


class ReconciledResource(TimestampedTable):
    """Columns shared by the two kinds of resource the reconciler drives."""

    name: str = Field(max_length=64)
    k8s_namespace: str = Field(max_length=63)
    status: ResourceStatus = _enum(ResourceStatus, default=ResourceStatus.CREATING)
    status_message: str = Field(default="", sa_type=sa.Text, nullable=False)
    locked_until: Optional[datetime] = Field(default=None, sa_type=UtcDateTime, nullable=True)
    attempts: int = Field(default=0, nullable=False)
    status_changed_at: datetime = _timestamp()
    cpu_request: str = Field(default="100m", max_length=16)
    cpu_limit: str = Field(default="1000m", max_length=16)
    memory_request: str = Field(default="256Mi", max_length=16)
    memory_limit: str = Field(default="1Gi", max_length=16)


class Sandbox(ReconciledResource, table=True):
    __tablename__ = "sandbox"
    __table_args__ = (
        sa.UniqueConstraint("k8s_namespace", "sandbox_name", name="uq_sandbox_namespace_name"),
        sa.Index("ix_sandbox_claim", "status", "locked_until"),
    )

    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", max_length=32, index=True)
    sandbox_name: str = Field(max_length=63)
    public_url: str = Field(default="", max_length=512)
    ttyd_url: str = Field(default="", max_length=512)
    runtime_image: str = Field(max_length=512)
    storage_size: str = Field(default="10Gi", max_length=16)


class Database(ReconciledResource, table=True):
    __tablename__ = "database"
    __table_args__ = (
        sa.UniqueConstraint("k8s_namespace", "cluster_name", name="uq_database_namespace_cluster"),
        sa.Index("ix_database_claim", "status", "locked_until"),
    )

    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", max_length=32, index=True)
    cluster_name: str = Field(max_length=63)
    host: str = Field(default="", max_length=255)
    port: Optional[int] = Field(default=None)
    database: str = Field(default="postgres", max_length=63)
    username: str = Field(default="", max_length=63)
    password: Optional[str] = Field(default=None, sa_type=EncryptedText, nullable=True)
    connection_url: Optional[str] = Field(default=None, sa_type=EncryptedText, nullable=True)
    storage_size: str = Field(default="3Gi", max_length=16)


class AuditEvent(TimestampedTable, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_user_at", "user_id", "at"),)

    # No foreign key: the trail outlives a deleted user or project.
    user_id: Optional[str] = Field(default=None, max_length=32)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=255)
    detail: str = Field(default="", sa_type=sa.Text, nullable=False)
    at: datetime = _timestamp()
