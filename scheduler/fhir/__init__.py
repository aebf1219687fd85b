"""HL7 FHIR R4 in and out: Bundles mapped to our records, published visits to Appointments.

Resources are read and written with the R4B models of ``fhir.resources`` (R4B's models of
these resources read and write R4 JSON). The mapping is pure: no I/O.
"""
