"""Benchmark modules: every module here is imported by worker.py and registers with
`harness.benchmark`. Add a module (or a function to one) to add a benchmark."""
