"""The auditor's pages over the access log (the log itself is ``kernel.audit``)."""
