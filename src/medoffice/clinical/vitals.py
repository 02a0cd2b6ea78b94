"""The vital signs the chart records: LOINC code, UCUM unit, and the plausible range a typed
value must fall in (a guard against 1,200 for 120, not a clinical limit)."""

from dataclasses import dataclass
from decimal import Decimal as D


@dataclass(frozen=True)
class VitalSign:
    loinc: str
    name: str
    unit: str
    low: D
    high: D


VITALS = {
    "systolic": VitalSign("8480-6", "Systolic blood pressure", "mm[Hg]", D(40), D(300)),
    "diastolic": VitalSign("8462-4", "Diastolic blood pressure", "mm[Hg]", D(20), D(200)),
    "pulse": VitalSign("8867-4", "Heart rate", "/min", D(20), D(300)),
    "respiration": VitalSign("9279-1", "Respiratory rate", "/min", D(4), D(80)),
    "temperature": VitalSign("8310-5", "Body temperature", "Cel", D(30), D(45)),
    "spo2": VitalSign("59408-5", "Oxygen saturation (pulse oximetry)", "%", D(50), D(100)),
    "weight": VitalSign("29463-7", "Body weight", "kg", D("0.3"), D(400)),
    "height": VitalSign("8302-2", "Body height", "cm", D(20), D(250)),
    "bmi": VitalSign("39156-5", "Body mass index", "kg/m2", D(8), D(100)),
}
