"""Pictures made from run directories; imports nothing of the simulation."""
