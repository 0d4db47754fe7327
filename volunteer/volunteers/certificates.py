"""志愿服务记录证明: issuing a numbered certificate that snapshots a volunteer's approved hours,
and verifying one by its code (public, shows only what the certificate itself shows)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.audit import AuditLog
from volunteer.counters import reserve
from volunteer.db import today_local
from volunteer.errors import ValidationFailed
from volunteer.volunteers.models import Certificate, RecordStatus, ServiceRecord, Volunteer

# No 0/O/1/I: codes are read aloud and typed from paper.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ISSUER = "区志愿服务联合会"


def new_verify_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


class CertificateService:
    def __init__(self, dbsession: Session, audit: AuditLog):
        self.dbsession = dbsession
        self.audit = audit

    def issue(
        self, volunteer: Volunteer, issued_by: int | None, issuer_name: str = ISSUER
    ) -> Certificate:
        minutes, count, first, last = self.dbsession.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(ServiceRecord.minutes), 0),
                sa.func.count(ServiceRecord.id),
                sa.func.min(ServiceRecord.service_date),
                sa.func.max(ServiceRecord.service_date),
            ).where(
                ServiceRecord.volunteer_id == volunteer.id,
                ServiceRecord.status == RecordStatus.APPROVED,
                ServiceRecord.voided_at.is_(None),
            )
        ).one()
        if not count:
            raise ValidationFailed("暂无已审核通过的服务记录，不能开具证明")
        serial = reserve(self.dbsession, f"certificate:{today_local().year}")
        certificate = Certificate(
            number=f"ZM{today_local().year}{serial:06d}",
            verify_code=new_verify_code(),
            volunteer_id=volunteer.id,
            approved_minutes=int(minutes),
            record_count=count,
            first_service_on=first,
            last_service_on=last,
            issued_by=issued_by,
            issuer_name=issuer_name,
        )
        self.dbsession.add(certificate)
        self.dbsession.flush()
        self.audit.record(
            "certificate.issue",
            "certificate",
            certificate.id,
            after={
                "number": certificate.number,
                "volunteer_id": volunteer.id,
                "minutes": int(minutes),
            },
            area_path=volunteer.area.path,
        )
        return certificate

    def verify(self, code: str) -> Certificate | None:
        code = "".join(code.split()).upper()
        if not code:
            return None
        return self.dbsession.scalar(sa.select(Certificate).where(Certificate.verify_code == code))
