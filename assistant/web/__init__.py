"""Surfaces over HTTP: the chat's HTML, the API, accounts, shares, feedback."""
