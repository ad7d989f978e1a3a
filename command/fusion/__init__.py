"""The fusion core: numpy arrays in, numpy arrays out (numpy and scipy only)."""
