"""Local runtime: run an agent project on this machine as the cluster would (``agentctl dev``)."""
