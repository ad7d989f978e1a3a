"""Command and control: the fusion core, command nodes, alerts and response."""
