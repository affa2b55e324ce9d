"""The families of torch.nn.functional, one file each (conv, pooling, norm,
loss, attention, sampling, ...). ember.nn.functional re-exports every name in
their __all__; a family only needs its own file and a name in FAMILIES."""
FAMILIES = ("conv", "pooling", "sampling", "norm", "embedding", "distance", "loss", "attention")
