"""HL7 v2 feed adapter."""
