"""Web hygiene shared by every blueprint: security headers and error pages."""
