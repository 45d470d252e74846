"""The pages of case work, above the case domains: the youth register's pages
(``register``, blueprint ``youths``), the case list and the case page (``views``, blueprint
``cases``) built from one read model (``read_model``), and "view as" and the sharing
overview (``sharing``).  They read every domain; the domains below (youths, cases, plans,
meetings, outcomes, consents, disclosures) import nothing from here, and none of them
imports another in a circle (``tests/test_layers.py``)."""
