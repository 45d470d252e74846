"""SIG cases (SIG-ärenden) and their groups (insatsgrupper)."""
