"""The cluster gateway: the one package that talks to Kubernetes (apply, wait, prune,
diff, status, runs, logs, delete and port-forwards)."""
