"""The compute rate card and the arithmetic every cost figure shares.

Money is ``Decimal`` throughout; JSON output rounds with :func:`usd`.
A month is 30 days (720 hours) everywhere in agentctl, so that a daily LLM
budget x 30 and a compute estimate describe the same month.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DAYS_PER_MONTH = 30
HOURS_PER_MONTH = DAYS_PER_MONTH * 24
GIB = Decimal(2**30)

DEFAULT_CARD_NAME = "GKE Autopilot general-purpose, us-central1 (on-demand)"


@dataclass(frozen=True)
class RateCard:
    """USD per vCPU-hour, per GiB-hour of memory and per GiB-month of storage (requests)."""

    name: str = DEFAULT_CARD_NAME
    cpu_hour: Decimal = Decimal("0.0445")
    memory_gib_hour: Decimal = Decimal("0.0049225")
    storage_gib_month: Decimal = Decimal("0.04")

    @classmethod
    def from_platform(cls, platform: Any | None) -> RateCard:
        """The card of a ``Platform`` (``pricing.compute``), or the default card."""
        if platform is None:
            return cls()
        return cls.from_compute(platform.pricing.compute)

    @classmethod
    def from_compute(cls, c: Any) -> RateCard:
        """The card of a ``pricing.compute`` (the model's, or platform_fields' ComputeRates)."""
        return cls(
            name=c.name,
            cpu_hour=Decimal(str(c.cpu_hour_usd)),
            memory_gib_hour=Decimal(str(c.memory_gib_hour_usd)),
            storage_gib_month=Decimal(str(c.storage_gib_month_usd)),
        )

    def hourly(self, cpu_cores: Decimal, memory_gib: Decimal) -> Decimal:
        """USD per hour for one pod with these requests."""
        return cpu_cores * self.cpu_hour + memory_gib * self.memory_gib_hour

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cpuHourUSD": float(self.cpu_hour),
            "memoryGiBHourUSD": float(self.memory_gib_hour),
            "storageGiBMonthUSD": float(self.storage_gib_month),
        }


def cpu(value: str | int | float) -> Decimal:
    from agentctl.spec import units

    return units.parse_quantity(value)


def gib(value: str | int | float) -> Decimal:
    from agentctl.spec import units

    return units.parse_quantity(value) / GIB


def usd(value: Decimal | None, places: int = 6) -> float | None:
    """A money amount for JSON: rounded half-up to ``places`` decimals."""
    if value is None:
        return None
    q = Decimal(1).scaleb(-places)
    return float(value.quantize(q, rounding=ROUND_HALF_UP))


def fmt_usd(value: Decimal | float | None) -> str:
    """A money amount for people: cents, or four significant decimals below a cent."""
    if value is None:
        return "-"
    v = Decimal(str(value))
    if 0 < abs(v) < Decimal("0.0001"):
        return "<$0.0001" if v > 0 else ">-$0.0001"
    if v != 0 and abs(v) < Decimal("0.01"):
        return f"${v:.4f}"
    return f"${v:,.2f}"
