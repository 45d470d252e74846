"""Referrals into SIG: a police or school member (or a social worker outside the unit)
proposes a youth; the SIG unit's case owners accept or decline."""
