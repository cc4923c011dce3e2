"""Everything that speaks Plivo's Recording API: models, rules, filters, errors and the client.

Nothing in this package imports Textual; the UI depends on it, never the reverse.
"""
