"""Interfaces to other systems: the HL7 v2 SIU feed of appointment changes (docs/interfaces.md)."""
