"""The action plan (åtgärdsplan): goals per life area and the actions that serve them."""
