"""Documents attached to a case: an assessment, a school report, the signed plan."""
