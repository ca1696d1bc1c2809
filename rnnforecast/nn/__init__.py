"""The network tier: parameter layout, layers, network, losses, optimizers and the training engine.

Plain NumPy orchestration of :mod:`rnnforecast.kernels`: it knows arrays, shapes
and devices, never pandas, matplotlib or the estimators. The training engine
(:mod:`rnnforecast.nn.training`) is the one road for CPU and CUDA jobs; its CUDA
backend (:mod:`rnnforecast.nn.fleet`) is imported only when a job runs on CUDA.
"""
