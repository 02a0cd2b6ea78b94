"""HL7 version 2 (pipe-and-hat) codecs: pure Python, no Django.

We write our own small encoder rather than build hl7apy object trees at run
time: we emit a fixed handful of segments (the SIU scheduling messages), and
rendering a few frozen dataclasses to text is simpler to read, faster and
needs no runtime dependency. hl7apy is kept as the independent validator in
the tests, which parse every message we produce against the HL7 v2.5.1
message structures with strict validation.

    encoding.py  delimiters, escaping, segments and timestamps
    siu.py       SIU^S12/S13/S14/S15/S17/S26 appointment notices
    ack.py       reading the receiver's ACK (MSA-1, MSA-2, MSA-3)
    mllp.py      Minimal Lower Layer Protocol framing (0x0B ... 0x1C 0x0D)
"""
