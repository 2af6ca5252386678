"""Notifications of outcomes (the spec's `notify` section): webhooks and commands, never failing a run."""
